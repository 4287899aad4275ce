// The release fixture's page: the real @sentry/browser, configured at run time from window.__GATE_CONFIG__
// (the server injects it), and buttons that throw from known places in src/ (see the gate:throw-site marks).
import * as Sentry from '@sentry/browser';
import { throwFromClick, outerCall } from './lib/faults.js';

const config = window.__GATE_CONFIG__ || {};

Sentry.init({
  dsn: config.dsn,
  release: config.release || undefined,
  environment: config.environment || 'production',
  sampleRate: 1.0,
  tracesSampleRate: 0,
});

document.getElementById('click-throw').addEventListener('click', () => throwFromClick('click-throw'));
document.getElementById('nested-throw').addEventListener('click', () => outerCall('nested-throw'));
document.getElementById('lazy-throw').addEventListener('click', () =>
  import('./lazy/report.js').then((m) => m.explodeLater('lazy-throw')),
);
document.getElementById('timer-throw').addEventListener('click', () =>
  import('./lazy/report.js').then((m) => m.scheduleExplosion('timer-throw')),
);

window.__gate = {
  flush: (timeoutMs = 5000) => Sentry.flush(timeoutMs),
  ready: true,
};
