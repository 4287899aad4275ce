// The shop's page. The DSN is fixed when the bundle is built (SHOP_PUBLIC_SENTRY_DSN, like any public
// build-time setting); environment, release and rates come from the server's #shop-settings.
import * as Sentry from '@sentry/browser';

const DSN = process.env.SHOP_PUBLIC_SENTRY_DSN;
const settings = JSON.parse(document.getElementById('shop-settings').textContent || '{}');

if (DSN && settings.enabled) {
  Sentry.init({
    dsn: DSN,
    environment: settings.environment,
    release: settings.release || undefined,
    tracesSampleRate: settings.tracesSampleRate,
    replaysSessionSampleRate: settings.replaysSessionSampleRate,
    replaysOnErrorSampleRate: settings.replaysOnErrorSampleRate,
    maxBreadcrumbs: 50,
    integrations: [
      Sentry.browserTracingIntegration(),
      Sentry.replayIntegration({ maskAllText: settings.maskReplay, maskAllInputs: settings.maskReplay, blockAllMedia: true }),
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
