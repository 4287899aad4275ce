// Reads the run-time contract (targets/README.md) from the environment, once, into a frozen object.
// Never throws for a missing variable; an invalid GATE_VARIANT, GATE_MUTANT, rate or on/off switch is a start-up
// error (an unknown name in SENTRY_DISABLED_INTEGRATIONS too, found by sentry.mjs).

import { MUTANTS } from './mutants.mjs';

export class ConfigError extends Error {}

function rate(name, env) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(`${name}=${raw} is not a rate between 0 and 1`);
  }
  return value;
}

function onOff(name, env) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return null;
  const v = raw.trim().toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(`${name}=${raw} is not on/off`);
}

/** A comma-separated list of names: trimmed, empty entries and repeats dropped (absent or empty: none). */
function nameList(name, env) {
  const raw = env[name] ?? '';
  return [...new Set(raw.split(',').map((n) => n.trim()).filter((n) => n !== ''))];
}

function nonEmpty(value) {
  return value === undefined || value.trim() === '' ? null : value.trim();
}

export function readSettings(env = process.env) {
  const variant = nonEmpty(env.GATE_VARIANT) ?? 'hardened';
  if (!['hardened', 'seed'].includes(variant)) {
    throw new ConfigError(`GATE_VARIANT=${variant} is not hardened or seed`);
  }
  const mutant = nonEmpty(env.GATE_MUTANT);
  if (mutant !== null && !MUTANTS.includes(mutant)) {
    throw new ConfigError(`GATE_MUTANT=${mutant} is not in targets/MUTANTS.md`);
  }
  const spotifyApi = (nonEmpty(env.SPOTIFY_API_URL) ?? 'http://127.0.0.1:9/v1').replace(/\/+$/, '');
  const delay = Number(nonEmpty(env.GATE_MUTANT_DELAY_MS) ?? '1.0');
  const spotifyTimeout = Number(nonEmpty(env.SPOTIFY_TIMEOUT_MS) ?? '5000');
  if (!Number.isFinite(spotifyTimeout) || spotifyTimeout <= 0) throw new ConfigError(`SPOTIFY_TIMEOUT_MS=${env.SPOTIFY_TIMEOUT_MS}`);
  if (!Number.isFinite(delay) || delay < 0) throw new ConfigError(`GATE_MUTANT_DELAY_MS=${env.GATE_MUTANT_DELAY_MS}`);
  return Object.freeze({
    dsn: nonEmpty(env.SENTRY_DSN),
    browserDsn: nonEmpty(env.SENTRY_DSN_BROWSER),
    release: nonEmpty(env.SENTRY_RELEASE),
    environment: nonEmpty(env.SENTRY_ENVIRONMENT) ?? nonEmpty(env.NODE_ENV) ?? 'development',
    enableSentry: env.ENABLE_SENTRY === 'true',
    overrides: Object.freeze({
      tracesSampleRate: rate('SENTRY_TRACES_SAMPLE_RATE', env),
      profilesSampleRate: rate('SENTRY_PROFILES_SAMPLE_RATE', env),
    }),
    // Attribution switches (the load gate starts the target with one changed at a time): the SDK without
    // tracing, without its default integrations, or without the named integrations (validated by sentry.mjs,
    // which knows the SDK's names).
    tracing: onOff('SENTRY_TRACING', env) ?? true,
    defaultIntegrations: onOff('SENTRY_DEFAULT_INTEGRATIONS', env) ?? true,
    disabledIntegrations: Object.freeze(nameList('SENTRY_DISABLED_INTEGRATIONS', env)),
    browserOverrides: Object.freeze({
      tracesSampleRate: rate('SENTRY_BROWSER_TRACES_SAMPLE_RATE', env),
      replaysSessionSampleRate: rate('SENTRY_REPLAYS_SESSION_SAMPLE_RATE', env),
      replaysOnErrorSampleRate: rate('SENTRY_REPLAYS_ON_ERROR_SAMPLE_RATE', env),
      replay: onOff('SENTRY_REPLAY', env),
    }),
    spotifyApiUrl: spotifyApi,
    spotifyAccountsUrl: (nonEmpty(env.SPOTIFY_ACCOUNTS_URL) ?? spotifyApi.replace(/\/v1$/, '')).replace(/\/+$/, ''),
    spotifyTimeoutMs: spotifyTimeout,
    faultToken: nonEmpty(env.GATE_FAULT_TOKEN),
    variant,
    mutant,
    mutantDelayMs: delay,
    clientDist: nonEmpty(env.GATE_CLIENT_DIST),
    host: nonEmpty(env.HOST) ?? '127.0.0.1',
    port: Number(nonEmpty(env.PORT) ?? '0'),
  });
}

let cached = null;

/** The settings of this process (read on first use). */
export function settings() {
  if (cached === null) cached = readSettings();
  return cached;
}

export function isMutant(name) {
  return settings().mutant === name;
}
