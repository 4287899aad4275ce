// Serves the built client: index.html for every client route with the browser config injected at run
// time (one build serves every environment and test), hashed assets with long caching, and never the
// source maps that sit beside them for upload (unless the `maps-served-publicly` mutant).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { ConfigError, settings } from '../config/env.mjs';
import { BUILD_MUTANTS } from '../config/mutants.mjs';

const CLIENT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../client');
export const CONFIG_PLACEHOLDER = '<!--gate:config-->';
export const CLIENT_ROUTES = ['/', '/login', '/profile', '/search', '/tracks/:id', '/media', '/errors'];

/** Which built client this process serves; a build-time mutant without its build is a start-up error. */
export function clientDist(s = settings()) {
  if (s.clientDist) return path.resolve(s.clientDist);
  if (s.mutant && BUILD_MUTANTS.includes(s.mutant)) {
    const dir = path.join(CLIENT_DIR, `dist-${s.mutant}`);
    if (!existsSync(path.join(dir, 'index.html'))) {
      throw new ConfigError(
        `GATE_MUTANT=${s.mutant} needs its own client build: run targets/express_vue/build.sh ${s.mutant}`,
      );
    }
    return dir;
  }
  return path.join(CLIENT_DIR, 'dist');
}

/** The config the page reads as window.__GATE_CONFIG__ (shape fixed in targets/README.md). */
export function browserConfig(s = settings()) {
  const o = s.browserOverrides;
  return {
    dsn: s.browserDsn,
    environment: s.environment,
    release: s.release,
    enableSentry: s.enableSentry,
    variant: s.variant,
    mutant: s.mutant,
    overrides: {
      tracesSampleRate: o.tracesSampleRate,
      replaysSessionSampleRate: o.replaysSessionSampleRate,
      replaysOnErrorSampleRate: o.replaysOnErrorSampleRate,
      replay: o.replay,
    },
  };
}

export function injectConfig(html, config) {
  const json = JSON.stringify(config).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return html.replace(CONFIG_PLACEHOLDER, `<script>window.__GATE_CONFIG__ = ${json}</script>`);
}

export function clientRouter(dist) {
  const router = express.Router();
  const indexFile = path.join(dist, 'index.html');
  const page = existsSync(indexFile) ? injectConfig(readFileSync(indexFile, 'utf8'), browserConfig()) : null;
  if (page === null) console.warn(`client not built: ${indexFile} is missing (run targets/express_vue/build.sh)`);
  const servesMaps = settings().mutant === 'maps-served-publicly';

  router.use((req, res, next) => {
    if (!servesMaps && req.path.endsWith('.map')) {
      res.status(404).json({ error: { status: 404, message: 'Not Found' } });
      return;
    }
    next();
  });
  router.use(
    '/assets',
    express.static(path.join(dist, 'assets'), {
      index: false,
      fallthrough: false,
      immutable: true,
      maxAge: '1y',
    }),
  );
  router.get(CLIENT_ROUTES, (_req, res) => {
    if (page === null) {
      res.status(503).type('text/plain').send('client not built: run targets/express_vue/build.sh\n');
      return;
    }
    res.set('Cache-Control', 'no-store').type('html').send(page);
  });
  return router;
}
