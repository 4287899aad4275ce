// The page's transport: the SDK's fetch transport, with a keepalive request that the browser rejects
// sent once more without keepalive.
//
// Why: the SDK marks every envelope `keepalive` while its own count of pending bytes is under 60 kB, so
// that an event sent just before the tab closes survives the unload. Chromium enforces its keepalive quota
// (64 KiB in flight, fetch spec "http-network-or-cache fetch") on its own books, which free a request
// later than the page sees it answered: a page that reports errors one after another (each answered before
// the next is sent) still has some rejected with `TypeError: Failed to fetch` before anything reaches the
// network, and the SDK records them as client-report `network_error`. Measured on this page in
// Chromium: 200 unique errors, one at a time with a flush between, 151-174 arrived, every loss a
// rejected keepalive request (docs/production.md, "Findings"; getsentry/sentry-javascript#6049).
// Turning keepalive off altogether would lose the unload case; retrying only the rejected request without
// keepalive keeps it and loses nothing (200 of 200). A request that did leave and failed on the network
// is retried too; the event id is the same, so Sentry deduplicates a double delivery.

import { makeFetchTransport } from '@sentry/vue';
import { mutantOf } from './mutants.js';

/** `fetch` that repeats a rejected keepalive request once without keepalive. */
export function keepaliveFallback(nativeFetch) {
  return function fetchWithFallback(url, init) {
    return nativeFetch(url, init).catch((error) => {
      if (!init?.keepalive) throw error;
      return nativeFetch(url, { ...init, keepalive: false });
    });
  };
}

/**
 * The `transport` option for Sentry.init. `nativeFetch` must be the page's own fetch, taken before
 * Sentry.init instruments it (so the SDK's requests make no breadcrumbs or spans of their own).
 */
export function makeTransport(config, nativeFetch) {
  if (mutantOf(config)('browser-keepalive-only')) return makeFetchTransport; // the SDK's default as is
  const fetchWithFallback = keepaliveFallback(nativeFetch);
  return (options) => makeFetchTransport(options, fetchWithFallback);
}
