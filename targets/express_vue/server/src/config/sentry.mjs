// The server's Sentry configuration: the plan's per-environment settings (Step 3 of the seed's plan) on
// today's @sentry/node, in two variants (`seed`: the plan as written; `hardened`: its privacy gaps closed,
// see targets/README.md) and with one mutant at most (targets/MUTANTS.md).
// getSentryOptions() is pure over the settings; initSentry() is the only function with side effects.
// Three attribution switches (SENTRY_TRACING, SENTRY_DEFAULT_INTEGRATIONS, SENTRY_DISABLED_INTEGRATIONS) take
// parts of the SDK away, one at a time, so the load gate can tell where its cost comes from.

import * as http from 'node:http';
import * as https from 'node:https';
import * as Sentry from '@sentry/node';
import { nodeProfilingIntegration } from '@sentry/profiling-node';
import { ConfigError, settings as currentSettings } from './env.mjs';
import { SCRUBBED_HEADERS, filterBreadcrumb, filterEventQueries, removeHeaders } from './scrub.mjs';

// The plan's table. `enabled` for development is decided below (ENABLE_SENTRY).
const MODES = Object.freeze({
  production: { tracesSampleRate: 0.1, profilesSampleRate: 0.1, maxBreadcrumbs: 50 },
  staging: { tracesSampleRate: 0.5, profilesSampleRate: 0.5, maxBreadcrumbs: 100 },
  development: { tracesSampleRate: 1.0, profilesSampleRate: 1.0, maxBreadcrumbs: 100 },
});

// The plan's per-mode header removal (seed variant).
const SEED_HEADERS = Object.freeze({
  production: ['authorization', 'cookie', 'x-api-key', 'x-forwarded-for'],
  staging: ['authorization', 'cookie'],
  development: ['authorization'],
});

const HEALTH_OR_METRICS = /\/(health|metrics)\b/;

/** The mode's table row; unknown modes behave as development, as in the plan's `default:` branch. */
export function modeOf(environment) {
  return Object.hasOwn(MODES, environment) ? environment : 'development';
}

/** Whether the server SDK sends at all, and why not. */
export function enabledState(s) {
  if (!s.dsn) return { enabled: false, reason: 'no SENTRY_DSN' };
  const testSends = s.environment === 'test' && s.mutant === 'test-env-sends';
  if (s.environment === 'test' && !testSends) return { enabled: false, reason: 'test environment' };
  const flagIgnored = s.mutant === 'dev-sends-without-flag' || testSends;
  if (modeOf(s.environment) === 'development' && !s.enableSentry && !flagIgnored) {
    return { enabled: false, reason: 'development without ENABLE_SENTRY=true' };
  }
  return { enabled: true, reason: null };
}

/** Rates after the mode, the mutants that change the mode's base, and the overrides (the kill switch). */
export function ratesFor(s) {
  const mode = modeOf(s.environment);
  let traces = MODES[mode].tracesSampleRate;
  let profiles = MODES[mode].profilesSampleRate;
  if (s.mutant === 'traces-rate-full' && mode === 'production') traces = 1.0;
  if (s.mutant === 'profiles-rate-full' && mode === 'production') profiles = 1.0;
  if (s.mutant !== 'kill-switch-ignored') {
    if (s.overrides.tracesSampleRate !== null) traces = s.overrides.tracesSampleRate;
    if (s.overrides.profilesSampleRate !== null) profiles = s.overrides.profilesSampleRate;
  }
  return { tracesSampleRate: traces, profilesSampleRate: profiles };
}

/** Our explicit integrations: the profiler (unless tracing is off or the profiling-off mutant) and console capture. */
function ownIntegrations({ profiling }) {
  return [
    ...(profiling ? [nodeProfilingIntegration()] : []),
    // "A logged error" reaches Sentry as in the Python twin, whose logging integration does this.
    Sentry.captureConsoleIntegration({ levels: ['error'] }),
  ];
}

let knownNames = null;

/**
 * Every name SENTRY_DISABLED_INTEGRATIONS accepts: the `name` of each integration the SDK installs by default
 * (the tracing-only ones included) and of ours, e.g. Http, Express, NodeFetch, Console, CaptureConsole,
 * ProfilingIntegration. The same list whatever the other switches say.
 */
export function knownIntegrationNames() {
  if (knownNames === null) {
    const all = [...Sentry.getDefaultIntegrations({ tracesSampleRate: 1 }), ...ownIntegrations({ profiling: true })];
    knownNames = Object.freeze([...new Set(all.map((i) => i.name))].sort());
  }
  return knownNames;
}

/** SENTRY_DISABLED_INTEGRATIONS as a set of names; a name the SDK does not know is a ConfigError. */
export function disabledIntegrationNames(s) {
  if (s.disabledIntegrations.length === 0) return new Set();
  const known = knownIntegrationNames();
  const unknown = s.disabledIntegrations.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `SENTRY_DISABLED_INTEGRATIONS names unknown integration(s) ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
  }
  return new Set(s.disabledIntegrations);
}

function busyWait(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a synchronous hook cannot await; spinning is what a slow sampler costs
  }
}

/** A transport whose HTTP layer reports every answer as a plain 200: rate limits never reach the SDK. */
function rateLimitBlindTransport(options) {
  const native = options.url.startsWith('https:') ? https : http;
  const httpModule = {
    request(requestOptions, callback) {
      return native.request(requestOptions, (res) => {
        res.statusCode = 200;
        delete res.headers['retry-after'];
        delete res.headers['x-sentry-rate-limits'];
        callback(res);
      });
    },
  };
  return Sentry.makeNodeTransport({ ...options, httpModule });
}

/** The headers, and what SDK 11 derives from them elsewhere: parsed cookies and the client's IP. */
function scrubHeaders(event) {
  removeHeaders(event, SCRUBBED_HEADERS);
  if (event.request) delete event.request.cookies;
  if (event.user) delete event.user.ip_address;
}

/** What the hardened variant removes from every event and transaction, less what a mutant keeps. */
function hardenedScrub(s) {
  return (event) => {
    if (s.mutant !== 'headers-not-scrubbed') scrubHeaders(event);
    if (s.mutant !== 'query-tokens-kept') filterEventQueries(event);
    if (s.mutant !== 'request-bodies-sent' && event.request) delete event.request.data;
    return event;
  };
}

let lastSentEventId = null;

/**
 * The id of the last error event the SDK handed to its transport (null before any): what
 * /monitoring/sentry-health reports as `lastEvent`. Recorded here, not read from Sentry.lastEventId(),
 * because that one lives on the request's isolation scope and a health request never sees another
 * request's event.
 */
export function lastEventId() {
  return lastSentEventId;
}

/** A beforeSend that records the id of each event it lets through (the last hook in the chain). */
function recordingLast(beforeSend) {
  return (event, hint) => {
    const kept = beforeSend(event, hint);
    if (kept) lastSentEventId = kept.event_id ?? lastSentEventId;
    return kept;
  };
}

function hardenedBeforeSend(s, mode) {
  const scrub = hardenedScrub(s);
  return (event) => {
    if (mode === 'production' && s.mutant !== 'health-errors-kept' && event.request?.url?.includes('/health')) {
      return null;
    }
    return scrub(event);
  };
}

function hardenedBeforeSendTransaction(s) {
  const scrub = hardenedScrub(s);
  return (event) => {
    if (s.mutant !== 'health-transactions-kept' && HEALTH_OR_METRICS.test(event.transaction ?? '')) return null;
    return scrub(event);
  };
}

function seedBeforeSend(mode) {
  const headers = SEED_HEADERS[mode];
  return (event) => {
    if (event.request?.headers) {
      for (const name of headers) delete event.request.headers[name];
    }
    if (mode === 'production' && event.request?.url?.includes('/health')) return null;
    return event;
  };
}

/** The options handed to Sentry.init (null when the SDK stays off). Pure over the settings. */
export function getSentryOptions(s = currentSettings()) {
  const state = enabledState(s);
  if (!state.enabled) return null;
  const mode = modeOf(s.environment);
  const { tracesSampleRate, profilesSampleRate } = ratesFor(s);
  const hardened = s.variant === 'hardened';
  const own = ownIntegrations({ profiling: s.tracing && s.mutant !== 'profiling-off' });
  const disabled = disabledIntegrationNames(s);
  const options = {
    dsn: s.dsn,
    environment: s.mutant === 'wrong-environment' ? 'development' : s.environment,
    release: s.mutant === 'no-release' ? undefined : (s.release ?? undefined),
    // The gate's checks read transactions, so spans are sent as the plan's SDK sent them.
    traceLifecycle: 'static',
    // SENTRY_TRACING=off: no rate key at all (not 0), no profiling; it wins over the rate overrides and mutants.
    ...(s.tracing
      ? {
          tracesSampleRate,
          // @sentry/node 11 replaced profilesSampleRate by a per-process session rate and a lifecycle.
          profileSessionSampleRate: profilesSampleRate,
          profileLifecycle: 'trace',
        }
      : {}),
    maxBreadcrumbs: mode === 'production' && s.mutant === 'breadcrumbs-unbounded' ? 100 : MODES[mode].maxBreadcrumbs,
    // SENTRY_DEFAULT_INTEGRATIONS=off: only ours. SENTRY_DISABLED_INTEGRATIONS: the SDK's defaults and ours, less
    // the named ones (by the integration's `name`).
    ...(s.defaultIntegrations ? {} : { defaultIntegrations: false }),
    integrations: disabled.size === 0 ? own : (defaults) => [...defaults, ...own].filter((i) => !disabled.has(i.name)),
    beforeSend: recordingLast(hardened ? hardenedBeforeSend(s, mode) : seedBeforeSend(mode)),
  };
  if (hardened) {
    options.beforeSendTransaction = hardenedBeforeSendTransaction(s);
    if (s.mutant !== 'query-tokens-kept') options.beforeBreadcrumb = (crumb) => filterBreadcrumb(crumb);
    const headersKept = s.mutant === 'headers-not-scrubbed';
    options.dataCollection = {
      // userInfo also decides whether IP headers (X-Forwarded-For, X-Real-IP, …) are kept in request headers.
      userInfo: headersKept,
      cookies: headersKept,
      httpHeaders: headersKept ? true : { request: { deny: [...SCRUBBED_HEADERS] }, response: true },
      ...(s.mutant === 'request-bodies-sent' ? {} : { httpBodies: [] }),
      urlQueryParams: s.mutant === 'query-tokens-kept' ? true : { allow: [] },
      stackFrameVariables: false,
    };
  }
  if (s.mutant === 'slow-traces-sampler' && s.tracing) {
    delete options.tracesSampleRate;
    const delay = s.mutantDelayMs;
    options.tracesSampler = ({ inheritOrSampleWith }) => {
      busyWait(delay);
      return inheritOrSampleWith(tracesSampleRate);
    };
  }
  if (s.mutant === 'rate-limits-ignored') options.transport = rateLimitBlindTransport;
  return options;
}

let initialized = false;

/** Initialise the SDK once (from instrument.mjs, before anything else is imported). */
export function initSentry(s = currentSettings()) {
  let options;
  try {
    disabledIntegrationNames(s); // a wrong name stops the start even when the SDK stays off
    options = getSentryOptions(s);
  } catch (error) {
    // As instrument.mjs does for the settings: a configuration error is exit code 2, with the reason.
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (options === null) {
    console.log(`Sentry disabled: ${enabledState(s).reason}`);
    return false;
  }
  // The SDK falls back to the SENTRY_RELEASE variable when `release` is unset; the mutant means "no release".
  if (s.mutant === 'no-release') delete process.env.SENTRY_RELEASE;
  // Without tracesSampleRate the SDK falls back to the SENTRY_TRACES_SAMPLE_RATE variable: tracing off means off.
  if (!s.tracing) delete process.env.SENTRY_TRACES_SAMPLE_RATE;
  Sentry.init(options);
  initialized = true;
  const notes = [
    s.variant,
    ...(s.mutant ? [`mutant ${s.mutant}`] : []),
    ...(s.tracing ? [] : ['tracing off']),
    ...(s.defaultIntegrations ? [] : ['default integrations off']),
    ...(s.disabledIntegrations.length > 0 ? [`without ${s.disabledIntegrations.join(', ')}`] : []),
  ];
  console.log(`Sentry initialized for ${options.environment} environment (${notes.join(', ')})`);
  return true;
}

export function sentryEnabled() {
  return initialized;
}
