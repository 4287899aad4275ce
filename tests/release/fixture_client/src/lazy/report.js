// A lazily loaded chunk: its own output file, so the bundle has a second map and debug ID.
// Throw sites are function declarations: a minifier drops the names of function expressions, and
// then no source map can give the original name back (Sentry shows `<anonymous>` for those too).

function explodeInPromise(marker) {
  throw new Error(`gate fixture ${marker}`); // gate:throw-site lazy-throw explodeInPromise
}

function explodeOnTimer(marker) {
  throw new Error(`gate fixture ${marker}`); // gate:throw-site timer-throw explodeOnTimer
}

export function explodeLater(marker) {
  return Promise.resolve(marker).then(explodeInPromise);
}

export function scheduleExplosion(marker) {
  setTimeout(() => explodeOnTimer(marker), 0);
}
