// Entry point: `node --import ./instrument.mjs ./server.mjs`. Listens on HOST:PORT (PORT 0: the OS picks),
// prints one `READY http://host:port` line, and on SIGTERM/SIGINT shuts down gracefully: stop accepting,
// let in-flight requests finish, close the SDK with a timeout (flushing what is queued), exit 0.

import * as Sentry from '@sentry/node';
import { ConfigError, isMutant, settings } from './src/config/env.mjs';
import { createApp } from './src/app.mjs';

const SHUTDOWN_TIMEOUT_MS = 5000;
const SENTRY_CLOSE_TIMEOUT_MS = 2000;

let app;
try {
  app = createApp();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

const { host, port } = settings();
const server = app.listen(port, host, (error) => {
  if (error) {
    console.error(`cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  }
  const address = server.address();
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`READY http://${shownHost}:${address.port}`);
});

let stopping = false;

async function shutdown(signal) {
  if (isMutant('no-flush-on-sigterm')) process.exit(0);
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  const force = setTimeout(() => {
    console.error('shutdown: in-flight requests did not finish in time');
    server.closeAllConnections();
  }, SHUTDOWN_TIMEOUT_MS);
  force.unref();
  // Stop accepting; idle keep-alive connections would otherwise hold close() open.
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;
  clearTimeout(force);
  // The Node SDK does not do this by itself: deliver what is queued, bounded in time.
  const flushed = await Sentry.close(SENTRY_CLOSE_TIMEOUT_MS);
  console.log(`stopped (sentry flushed: ${flushed})`);
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
