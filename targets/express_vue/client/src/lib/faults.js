// The page's deliberate failures. Every throw site carries a `gate:throw-site <id> <function>` comment;
// scripts/throw-sites.mjs lists them (file, line, column, function) in throw-sites.json, so a check can
// compare the frames Sentry resolved through the uploaded source maps with the truth.
// Keep each `new Error` on the line of its comment.

export function throwFromButton(marker) {
  throw new Error(`gate client throw ${marker}`); // gate:throw-site click-throw throwFromButton
}

export function rejectFromButton(marker) {
  return Promise.reject(new Error(`gate client reject ${marker}`)); // gate:throw-site click-reject rejectFromButton
}

export async function callFailingApi(marker) {
  const response = await fetch(`/api/fail`, { headers: { 'x-gate-marker': marker } });
  if (!response.ok) {
    throw new Error(`gate client api ${response.status} ${marker}`); // gate:throw-site failing-api callFailingApi
  }
  return response;
}
