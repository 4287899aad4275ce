// Scrubbers of the hardened variant: pure functions over event objects, no SDK imports, so they can be
// unit-tested and reasoned about alone. They never throw on odd shapes; what they do not know stays.

export const FILTERED = '[Filtered]';

// Headers the plan removes in production; the hardened variant removes them in every mode.
export const SCRUBBED_HEADERS = Object.freeze(['authorization', 'cookie', 'x-api-key', 'x-forwarded-for']);

/** `a=1&b=2` -> `a=[Filtered]&b=[Filtered]`: keep the keys (useful for debugging), drop every value. */
export function filterQueryString(query) {
  if (typeof query !== 'string' || query === '') return query;
  return query
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const eq = pair.indexOf('=');
      return `${eq === -1 ? pair : pair.slice(0, eq)}=${FILTERED}`;
    })
    .join('&');
}

/** Filter the query values of a URL or path; a fragment is dropped (it can carry tokens too). */
export function filterUrl(url) {
  if (typeof url !== 'string') return url;
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash);
  return `${url.slice(0, q)}?${filterQueryString(query)}`;
}

const URL_KEYS = ['url', 'http.url', 'url.full', 'from', 'to', 'http.target', 'url.path'];
const QUERY_KEYS = ['http.query', 'url.query', 'query'];

/** Filter query values inside a span/breadcrumb `data` object in place. */
export function filterDataObject(data) {
  if (!data || typeof data !== 'object') return;
  for (const key of URL_KEYS) {
    if (typeof data[key] === 'string') data[key] = filterUrl(data[key]);
  }
  for (const key of QUERY_KEYS) {
    if (typeof data[key] === 'string') {
      const raw = data[key].startsWith('?') ? data[key].slice(1) : data[key];
      data[key] = (data[key].startsWith('?') ? '?' : '') + filterQueryString(raw);
    }
  }
}

export function filterBreadcrumb(breadcrumb) {
  if (breadcrumb && typeof breadcrumb === 'object') {
    filterDataObject(breadcrumb.data);
    if (typeof breadcrumb.message === 'string') breadcrumb.message = filterUrlsInText(breadcrumb.message);
  }
  return breadcrumb;
}

/** Replace query values of every URL-looking token (`/path?x=y`, `http://h/p?x=y`) in free text. */
export function filterUrlsInText(text) {
  if (typeof text !== 'string' || !text.includes('?')) return text;
  return text.replace(/((?:https?:\/\/[^\s?#"']+)?\/[^\s?#"']*)\?([^\s#"']*)/g, (_m, path, query) => `${path}?${filterQueryString(query)}`);
}

/** Filter the request of an event: URL, query string; in place. */
export function filterRequestQuery(request) {
  if (!request || typeof request !== 'object') return;
  if (typeof request.url === 'string') request.url = filterUrl(request.url);
  const qs = request.query_string;
  if (typeof qs === 'string') request.query_string = filterQueryString(qs);
  else if (Array.isArray(qs)) request.query_string = qs.map((p) => (Array.isArray(p) ? [p[0], FILTERED] : p));
  else if (qs && typeof qs === 'object') {
    for (const key of Object.keys(qs)) qs[key] = FILTERED;
  }
}

/** Everything with a URL in an event (error or transaction): request, breadcrumbs, spans, trace context. */
export function filterEventQueries(event) {
  filterRequestQuery(event.request);
  for (const crumb of event.breadcrumbs ?? []) filterBreadcrumb(crumb);
  for (const span of event.spans ?? []) {
    filterDataObject(span.data);
    if (typeof span.description === 'string') span.description = filterUrlsInText(span.description);
  }
  filterDataObject(event.contexts?.trace?.data);
  if (typeof event.transaction === 'string') event.transaction = filterUrlsInText(event.transaction);
  return event;
}

/** Delete the named headers (case-insensitively) from an event's request; in place. */
export function removeHeaders(event, names) {
  const headers = event.request?.headers;
  if (!headers || typeof headers !== 'object') return;
  for (const key of Object.keys(headers)) {
    if (names.includes(key.toLowerCase())) delete headers[key];
  }
}
