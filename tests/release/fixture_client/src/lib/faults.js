// Deliberate throw sites. Each `new Error` sits on the line of its gate:throw-site comment; the release
// tests read those comments to know where each error must resolve to.

export function throwFromClick(marker) {
  const detail = { marker, at: Date.now() };
  throw new Error(`gate fixture ${detail.marker}`); // gate:throw-site click-throw throwFromClick
}

function innerThrow(marker) {
  if (marker.length > 0) {
    throw new Error(`gate fixture ${marker}`); // gate:throw-site nested-throw innerThrow
  }
  return marker;
}

export function outerCall(marker) {
  return innerThrow(marker) + '!';
}
