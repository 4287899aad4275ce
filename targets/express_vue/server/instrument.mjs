// Loaded with `node --import ./instrument.mjs` so that Sentry is set up before express and anything else
// is imported (the SDK patches modules as they load). A bad configuration stops the process here.

import { ConfigError, settings } from './src/config/env.mjs';
import { initSentry } from './src/config/sentry.mjs';

try {
  settings();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

initSentry();
