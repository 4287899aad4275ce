// An OAuth implicit flow answers in the URL fragment (#access_token=…): take it out of the address
// bar before anything records the URL (the router reads the location when its module loads; the
// SDK records replay page URLs, navigation breadcrumbs and spans). Imported first by main.js, so it
// runs before every other module. The seed variant keeps the plan's behaviour, which leaks it.
const gate = window.__GATE_CONFIG__ ?? {};
if (window.location.hash && gate.variant !== 'seed' && gate.mutant !== 'url-fragment-kept') {
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
}
