// The shop's page. The DSN is fixed when the bundle is built (SHOP_PUBLIC_SENTRY_DSN, like any public
// build-time setting); environment, release and rates come from the server's #shop-settings.
import * as Sentry from '@sentry/browser';

const DSN = process.env.SHOP_PUBLIC_SENTRY_DSN;
const settings = JSON.parse(document.getElementById('shop-settings').textContent || '{}');

// Chromium rejects a keepalive request past its in-flight quota before it reaches the network, and the
// SDK marks most envelopes keepalive: errors reported in quick succession were lost ("Failed to fetch",
// getsentry/sentry-javascript#6049). A rejected keepalive request is sent once more without keepalive.
const nativeFetch = window.fetch.bind(window);
function fetchWithFallback(url, init) {
  return nativeFetch(url, init).catch((error) => {
    if (!init?.keepalive) throw error;
    return nativeFetch(url, { ...init, keepalive: false });
  });
}

if (DSN && settings.enabled) {
  Sentry.init({
    dsn: DSN,
    transport: (options) => Sentry.makeFetchTransport(options, fetchWithFallback),
    environment: settings.environment,
    release: settings.release || undefined,
    tracesSampleRate: settings.tracesSampleRate,
    // One transaction per page load or navigation (what the shop's performance dashboards read), not
    // the SDK's default stream of span items.
    traceLifecycle: 'static',
    replaysSessionSampleRate: settings.replaysSessionSampleRate,
    replaysOnErrorSampleRate: settings.replaysOnErrorSampleRate,
    // Per environment (live keeps fewer); left out, the SDK keeps 100.
    ...(settings.maxBreadcrumbs ? { maxBreadcrumbs: settings.maxBreadcrumbs } : {}),
    // Browser noise nobody can fix: the ResizeObserver loop notice and rejections with no Error in them.
    ignoreErrors: settings.ignoreNoise ? [/ResizeObserver loop/, /^Non-Error promise rejection captured/] : [],
    // Errors thrown by users' browser extensions, not by the shop.
    denyUrls: settings.denyExtensions ? [/^(chrome|moz|safari(-web)?)-extension:\/\//] : [],
    // console.error calls become events, with the stack of the call that logged them.
    attachStacktrace: settings.attachStacktrace,
    integrations: [
      Sentry.captureConsoleIntegration({ levels: ['error'] }),
      Sentry.browserTracingIntegration(),
      ...(settings.replay === false
        ? []
        : [Sentry.replayIntegration({ maskAllText: settings.maskReplay, maskAllInputs: settings.maskReplay, blockAllMedia: true })]),
    ],
    beforeSendTransaction(event) {
      const path = new URL(event.request?.url || location.href).pathname;
      return path === '/healthz' || path === '/metrics' ? null : event;
    },
  });
}

function show(products) {
  const list = document.getElementById('products');
  list.replaceChildren(
    ...products.map((p) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `/products/${p.id}`;
      a.textContent = `${p.name} (${(p.price_cents / 100).toFixed(2)})`;
      li.append(a);
      return li;
    }),
  );
}

async function load() {
  const match = location.pathname.match(/^\/products\/([\w-]+)$/);
  if (match) {
    const product = await (await fetch(`/api/products/${match[1]}`)).json();
    document.getElementById('product').textContent = `${product.name}: ${product.reviews.length} review(s)`;
  }
  show(await (await fetch('/api/products')).json());
}

document.getElementById('search').addEventListener('submit', async (event) => {
  event.preventDefault();
  const q = document.getElementById('q').value;
  show(await (await fetch(`/api/search?q=${encodeURIComponent(q)}`)).json());
});

// A known bug: the wishlist reads a product the page never loaded.
document.getElementById('wishlist').addEventListener('click', () => {
  const current = window.shopCurrentProduct;
  document.getElementById('status').textContent = `Saved ${current.name}`;
});

load().catch((error) => {
  document.getElementById('status').textContent = 'Could not load the products.';
  Sentry.captureException(error);
});
