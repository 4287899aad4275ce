// The mutants the page applies itself (targets/MUTANTS.md, column `client`). The server only passes
// GATE_MUTANT through as window.__GATE_CONFIG__.mutant; each setting below asks `broken(name)`.

export const CLIENT_MUTANTS = Object.freeze([
  'browser-traces-rate-full', 'replay-session-rate-full', 'replay-on-error-off', 'no-release',
  'browser-release-mismatch', 'wrong-environment', 'dev-sends-without-flag', 'kill-switch-ignored',
  'health-transactions-kept', 'short-transactions-kept', 'extension-frames-kept', 'dev-noise-kept',
  'query-tokens-kept', 'replay-inputs-unmasked', 'replay-text-unmasked', 'replay-block-ignored',
  'replay-network-authorization', 'replay-network-bodies', 'url-fragment-kept', 'browser-keepalive-only',
  'sdk-debug-on', 'test-env-sends', 'browser-dev-sends-without-flag', 'browser-breadcrumbs-unbounded',
  'browser-stacktrace-off',
]);

/** A predicate over mutant names for one injected config. */
export function mutantOf(injected) {
  const active = injected?.mutant ?? null;
  return (name) => active === name;
}
