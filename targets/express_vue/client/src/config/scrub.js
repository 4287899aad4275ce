// Query-string scrubbing of the hardened variant (the page's copy of the server's scrub.mjs): every query
// value becomes [Filtered], keys stay; URL fragments are dropped. Pure functions; odd shapes pass through untouched.

export const FILTERED = '[Filtered]';

export function filterQueryString(query) {
  if (typeof query !== 'string' || query === '') return query;
  return query
    .split('&')
    .map((pair) => (pair === '' ? pair : `${pair.includes('=') ? pair.slice(0, pair.indexOf('=')) : pair}=${FILTERED}`))
    .join('&');
}

export function filterUrl(url) {
  if (typeof url !== 'string') return url;
  // Fragments never leave the page: an OAuth implicit flow's #access_token travels there.
  const hash = url.indexOf('#');
  const bare = hash === -1 ? url : url.slice(0, hash);
  const q = bare.indexOf('?');
  if (q === -1) return bare;
  return `${bare.slice(0, q)}?${filterQueryString(bare.slice(q + 1))}`;
}

export function filterUrlsInText(text) {
  if (typeof text !== 'string' || !(text.includes('?') || text.includes('#'))) return text;
  return text.replace(/(\/[^\s?#"']*(?:\?[^\s#"']*)?)#[^\s"']*/g, '$1').replace(/((?:https?:\/\/[^\s?#"']+)?\/[^\s?#"']*)\?([^\s#"']*)/g, (_m, p, q) => `${p}?${filterQueryString(q)}`);
}

const URL_KEYS = ['url', 'http.url', 'url.full', 'from', 'to', 'http.target'];
const QUERY_KEYS = ['http.query', 'url.query', 'query'];

export function filterData(data) {
  if (!data || typeof data !== 'object') return;
  for (const k of URL_KEYS) if (typeof data[k] === 'string') data[k] = filterUrl(data[k]);
  for (const k of QUERY_KEYS) {
    if (typeof data[k] === 'string') {
      const q = data[k].startsWith('?');
      data[k] = (q ? '?' : '') + filterQueryString(q ? data[k].slice(1) : data[k]);
    }
  }
  // Any other string may hold the page's URL too: a long-animation-frame span's browser.script.invoker
  // is the URL the page was opened with, fragment included, when its entry script ran long.
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' && !URL_KEYS.includes(k) && !QUERY_KEYS.includes(k)) data[k] = filterUrlsInText(v);
  }
}

export function filterBreadcrumb(crumb) {
  if (crumb && typeof crumb === 'object') {
    filterData(crumb.data);
    if (typeof crumb.message === 'string') crumb.message = filterUrlsInText(crumb.message);
  }
  return crumb;
}

export function filterEventQueries(event) {
  const request = event.request;
  if (request && typeof request === 'object') {
    if (typeof request.url === 'string') request.url = filterUrl(request.url);
    if (typeof request.query_string === 'string') request.query_string = filterQueryString(request.query_string);
  }
  for (const crumb of event.breadcrumbs ?? []) filterBreadcrumb(crumb);
  for (const span of event.spans ?? []) {
    filterData(span.data);
    if (typeof span.description === 'string') span.description = filterUrlsInText(span.description);
  }
  filterData(event.contexts?.trace?.data);
  if (typeof event.transaction === 'string') event.transaction = filterUrlsInText(event.transaction);
  return event;
}
