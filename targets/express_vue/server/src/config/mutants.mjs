// The mutant names of targets/MUTANTS.md (a test keeps the two in step). A mutant breaks exactly one
// property of the hardened target; this module only validates the name, each module applies its own.

export const MUTANTS = Object.freeze([
  'traces-rate-full', 'browser-traces-rate-full', 'replay-session-rate-full', 'replay-on-error-off',
  'profiling-off', 'no-release', 'browser-release-mismatch', 'wrong-environment', 'dev-sends-without-flag',
  'kill-switch-ignored', 'health-transactions-kept', 'health-errors-kept', 'short-transactions-kept',
  'extension-frames-kept', 'dev-noise-kept', 'breadcrumbs-unbounded', 'gate-routes-open',
  'headers-not-scrubbed', 'query-tokens-kept', 'request-bodies-sent', 'replay-inputs-unmasked',
  'replay-text-unmasked', 'replay-block-ignored', 'replay-network-authorization', 'replay-network-bodies',
  'url-fragment-kept', 'browser-keepalive-only', 'sdk-debug-on',
  'maps-served-publicly', 'maps-referenced', 'no-debug-ids', 'maps-not-uploaded', 'stale-maps',
  'release-not-finalized', 'blocking-transport', 'rate-limits-ignored', 'upstream-errors-swallowed',
  'no-upstream-timeout', 'no-flush-on-sigterm', 'slow-traces-sampler',
  'test-env-sends', 'browser-dev-sends-without-flag', 'browser-breadcrumbs-unbounded', 'browser-stacktrace-off',
  'sentry-health-stale', 'profiles-rate-full',
]);

// Client builds that differ from the default one; the server serves client/dist-<name> for these.
export const BUILD_MUTANTS = Object.freeze(['maps-referenced', 'no-debug-ids']);
