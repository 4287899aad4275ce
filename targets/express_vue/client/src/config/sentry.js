// The page's Sentry configuration: the plan's per-mode settings (Step 2 of the seed's plan) on today's
// @sentry/vue, computed at run time from the config the server injects (window.__GATE_CONFIG__), in two
// variants (`seed`: the plan as written; `hardened`: its privacy gaps closed, see targets/README.md) and
// with at most one mutant (targets/MUTANTS.md). getSentryConfig and buildOptions are pure; initSentry
// calls Sentry.init and installs the test hook window.__gate.

import * as Sentry from '@sentry/vue';
import { mutantOf } from './mutants.js';
import { filterBreadcrumb, filterEventQueries } from './scrub.js';
import { makeTransport } from './transport.js';

// The plan's table (Step 2).
const MODES = Object.freeze({
  production: { tracesSampleRate: 0.1, replaysSessionSampleRate: 0.05, replaysOnErrorSampleRate: 1.0 },
  staging: { tracesSampleRate: 0.5, replaysSessionSampleRate: 0.2, replaysOnErrorSampleRate: 1.0 },
  development: { tracesSampleRate: 1.0, replaysSessionSampleRate: 0.1, replaysOnErrorSampleRate: 1.0 },
});

const DEV_NOISE = ['HMR', 'hot reload', '[vite]', 'ResizeObserver loop'];
const HEALTH_OR_METRICS = /\/(health|metrics)\b/;

const EMPTY_CONFIG = Object.freeze({
  dsn: null,
  environment: 'development',
  release: null,
  enableSentry: false,
  variant: 'hardened',
  mutant: null,
  overrides: {},
});

export function injectedConfig(win = window) {
  return { ...EMPTY_CONFIG, ...(win.__GATE_CONFIG__ ?? {}) };
}

function modeOf(environment) {
  return Object.hasOwn(MODES, environment) ? environment : 'development';
}

/** Everything that decides what the page sends, as plain data. */
export function getSentryConfig(injected) {
  const broken = mutantOf(injected);
  const environment = injected.environment ?? 'development';
  const mode = modeOf(environment);
  const base = { ...MODES[mode] };
  if (mode === 'production' && broken('browser-traces-rate-full')) base.tracesSampleRate = 1.0;
  if (mode === 'production' && broken('replay-session-rate-full')) base.replaysSessionSampleRate = 1.0;
  if (broken('replay-on-error-off')) base.replaysOnErrorSampleRate = 0;
  const overrides = injected.overrides ?? {};
  if (!broken('kill-switch-ignored')) {
    for (const key of ['tracesSampleRate', 'replaysSessionSampleRate', 'replaysOnErrorSampleRate']) {
      if (typeof overrides[key] === 'number') base[key] = overrides[key];
    }
  }

  let enabled = Boolean(injected.dsn);
  let reason = enabled ? null : 'no browser DSN';
  if (enabled && environment === 'test' && !broken('test-env-sends')) [enabled, reason] = [false, 'test environment'];
  const flagIgnored =
    broken('dev-sends-without-flag') ||
    broken('browser-dev-sends-without-flag') ||
    (environment === 'test' && broken('test-env-sends'));
  if (enabled && mode === 'development' && !injected.enableSentry && !flagIgnored) {
    [enabled, reason] = [false, 'development without ENABLE_SENTRY=true'];
  }

  let release = injected.release ?? undefined;
  if (broken('no-release')) release = undefined;
  else if (broken('browser-release-mismatch') && release) release = `${release}-client`;

  return {
    enabled,
    reason,
    dsn: injected.dsn,
    environment: broken('wrong-environment') ? 'development' : environment,
    mode,
    release,
    variant: injected.variant === 'seed' ? 'seed' : 'hardened',
    mutant: injected.mutant ?? null,
    replay: overrides.replay !== false,
    ...base,
  };
}

/** A recording event without URL fragments in its performance-span description and URLs. */
export function stripFragments(event) {
  const payload = event?.data?.payload;
  if (payload && typeof payload === 'object') {
    for (const key of ['description', 'url', 'to', 'from']) {
      if (typeof payload[key] === 'string') payload[key] = payload[key].replace(/#.*$/, '');
    }
  }
  return event;
}

/** replayIntegration options: the plan's (seed) or hardened, then the replay mutants. */
export function replayOptions(config, origin) {
  const broken = mutantOf(config);
  const seed = config.variant === 'seed';
  const options = seed
    ? {
        // The plan's settings; its blockClass/maskClass became block/mask selectors.
        maskAllText: false,
        maskAllInputs: true,
        blockAllMedia: false,
        block: ['.sentry-block'],
        mask: ['.sentry-mask'],
        networkDetailAllowUrls: [origin, /\/api\/spotify/],
      }
    : {
        // Hardened: text masked except the static chrome marked .sentry-unmask; media blocked; network
        // details only for our own non-personal routes, never Spotify, login or OAuth bodies.
        maskAllText: true,
        unmask: ['.sentry-unmask'],
        maskAllInputs: true,
        blockAllMedia: true,
        block: ['.sentry-block'],
        mask: ['.sentry-mask'],
        networkDetailAllowUrls: [origin],
        networkDetailDenyUrls: [/\/api\/(spotify|login|auth)\b/],
        networkCaptureBodies: true,
        networkRequestHeaders: [],
        networkResponseHeaders: [],
        // The browser's navigation timing entry keeps the URL the page was opened with, fragment
        // included (an OAuth implicit flow's #access_token), and the page cannot rewrite it; replay
        // records it as a performance span, so drop fragments from what the recording keeps.
        beforeAddRecordingEvent: stripFragments,
      };
  if (broken('url-fragment-kept')) delete options.beforeAddRecordingEvent;
  if (broken('replay-inputs-unmasked')) options.maskAllInputs = false;
  if (broken('replay-text-unmasked')) {
    options.maskAllText = false;
    options.unmask = ['.profile', ...(options.unmask ?? [])];
  }
  // The SDK always adds .sentry-block to the block selectors; only an unblock selector undoes it.
  if (broken('replay-block-ignored')) options.unblock = ['.sentry-block'];
  if (broken('replay-network-authorization')) {
    // Headers only: the bodies of the newly allowed Spotify calls stay out (that is another mutant).
    options.networkDetailAllowUrls = [origin, /\/api\/spotify/];
    options.networkDetailDenyUrls = [/\/api\/(login|auth)\b/];
    options.networkRequestHeaders = ['Authorization'];
    options.networkCaptureBodies = false;
  }
  if (broken('replay-network-bodies')) {
    options.networkDetailAllowUrls = [origin, /\/api\/spotify/];
    options.networkDetailDenyUrls = [];
    options.networkCaptureBodies = true;
  }
  return options;
}

export function makeBeforeSend(config) {
  const broken = mutantOf(config);
  const hardened = config.variant === 'hardened';
  return function beforeSend(event) {
    if (config.mode === 'development' && !broken('dev-noise-kept')) {
      const message = event.exception?.values?.[0]?.value || '';
      if (DEV_NOISE.some((noise) => message.includes(noise))) return null;
    }
    if (config.mode === 'production') {
      const frames = event.exception?.values?.[0]?.stacktrace?.frames;
      if (!broken('extension-frames-kept') && frames?.some((frame) => frame.filename?.includes('extension://'))) {
        return null;
      }
      // The plan's "remove query parameters"; today's SDK sets no contexts.app.query, see the hardened scrub.
      if (event.contexts?.app) delete event.contexts.app.query;
    }
    if (hardened && !broken('query-tokens-kept')) filterEventQueries(event);
    return event;
  };
}

export function makeBeforeSendTransaction(config) {
  const broken = mutantOf(config);
  const hardened = config.variant === 'hardened';
  return function beforeSendTransaction(event) {
    if (!broken('short-transactions-kept') && event.start_timestamp && event.timestamp) {
      if (event.timestamp - event.start_timestamp < 0.01) return null;
    }
    if (!broken('health-transactions-kept') && HEALTH_OR_METRICS.test(event.transaction ?? '')) return null;
    if (hardened && !broken('query-tokens-kept')) filterEventQueries(event);
    return event;
  };
}

/** The options for Sentry.init, without `app` and integrations (those need live objects). */
export function buildOptions(config) {
  const broken = mutantOf(config);
  const hardened = config.variant === 'hardened';
  const options = {
    dsn: config.dsn,
    environment: config.environment,
    release: config.release,
    traceLifecycle: 'static',
    tracesSampleRate: config.tracesSampleRate,
    replaysSessionSampleRate: config.replay ? config.replaysSessionSampleRate : 0,
    replaysOnErrorSampleRate: config.replay ? config.replaysOnErrorSampleRate : 0,
    maxBreadcrumbs: config.mode === 'production' && !broken('browser-breadcrumbs-unbounded') ? 50 : 100,
    attachStacktrace: !broken('browser-stacktrace-off'),
    debug: broken('sdk-debug-on'),
    beforeSend: makeBeforeSend(config),
    beforeSendTransaction: makeBeforeSendTransaction(config),
  };
  if (hardened) {
    options.dataCollection = {
      userInfo: false,
      urlQueryParams: broken('query-tokens-kept') ? true : { allow: [] },
    };
    if (!broken('query-tokens-kept')) options.beforeBreadcrumb = (crumb) => filterBreadcrumb(crumb);
  }
  return options;
}

function plain(value) {
  return JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof RegExp ? `/${v.source}/${v.flags}` : v)));
}

/** Set up Sentry for the app (or not, as the mode says) and install window.__gate. */
export function initSentry(app, router, win = window) {
  const injected = injectedConfig(win);
  const config = getSentryConfig(injected);
  const options = buildOptions(config);
  const replay = config.replay ? replayOptions(config, win.location.origin) : null;
  const initAt = Date.now();
  win.__gate = {
    config: injected,
    settings: plain(config),
    options: plain({ ...options, replay }),
    enabled: config.enabled,
    filters: { beforeSend: options.beforeSend, beforeSendTransaction: options.beforeSendTransaction },
    // What the page would run with under another injected config (entries replace, overrides merge):
    // lets a test read every mutant's settings and filters from one page load.
    preview(patch = {}, hook = null, event = null) {
      const other = { ...injected, ...patch, overrides: { ...injected.overrides, ...(patch.overrides ?? {}) } };
      const otherConfig = getSentryConfig(other);
      const otherOptions = buildOptions(otherConfig);
      if (hook) return otherOptions[hook](structuredClone(event), {});
      const otherReplay = otherConfig.replay ? replayOptions(otherConfig, win.location.origin) : null;
      return { settings: plain(otherConfig), options: plain({ ...otherOptions, replay: otherReplay }) };
    },
    // @sentry/replay sends nothing for a replay younger than minReplayDuration (5 s), flush or not: tests
    // wait for this age before they flush. (Reads the integration's session start; the init time else.)
    replayAgeMs() {
      const started = Sentry.getReplay()?._replay?.session?.started ?? initAt;
      return Date.now() - started;
    },
    replayId() {
      return Sentry.getReplay()?.getReplayId() ?? null;
    },
    // Sends an event through the SDK's whole pipeline (beforeSend / beforeSendTransaction, client
    // reports, transport), so a test can watch a filter drop a real send and the SDK report the drop.
    capture(event) {
      return config.enabled ? Sentry.captureEvent(event) : null;
    },
    // A message through captureMessage (the path attachStacktrace changes: captureEvent never adds a
    // stack), tagged so a test finds it; answers the event id.
    message(text, tags = {}) {
      if (!config.enabled) return null;
      return Sentry.withScope((scope) => {
        scope.setTags(tags);
        return Sentry.captureMessage(text);
      });
    },
    // `count` breadcrumbs on the page's scope, as the app's own navigation and clicks would leave: the
    // next event shows how many the SDK keeps (maxBreadcrumbs).
    breadcrumbs(count, label = 'gate') {
      if (!config.enabled) return 0;
      for (let i = 0; i < count; i += 1) Sentry.addBreadcrumb({ category: 'gate', message: `${label} ${i}` });
      return count;
    },
    async flush(timeoutMs = 5000) {
      if (!config.enabled) return true;
      const active = Sentry.getReplay();
      if (active) await active.flush();
      return Sentry.flush(timeoutMs);
    },
  };
  if (!config.enabled) {
    console.log(`Sentry disabled: ${config.reason}`);
    return false;
  }
  Sentry.init({
    app,
    ...options,
    // Before Sentry.init: the page's own fetch, not yet instrumented (see transport.js).
    transport: makeTransport(config, win.fetch.bind(win)),
    integrations: [
      Sentry.browserTracingIntegration({ router }),
      ...(replay ? [Sentry.replayIntegration(replay)] : []),
    ],
  });
  console.log(`Sentry initialized for ${config.environment} environment`);
  return true;
}
