// The Express application: monitoring, API, test hooks and the built client. Building it has no side
// effects beyond reading the client's index.html; listening is server.mjs's job.

import express from 'express';
import * as Sentry from '@sentry/node';
import { isMutant } from './config/env.mjs';
import { clientDist, clientRouter } from './routes/client.mjs';
import { gateHeaders, gateRouter } from './routes/gate.mjs';
import { monitoringRouter } from './routes/monitoring.mjs';
import { authRouter, spotifyRouter } from './routes/spotify.mjs';

/** The `blocking-transport` mutant: every response waits for the SDK to deliver what is queued. */
function blockingFlush() {
  return (_req, res, next) => {
    const end = res.end.bind(res);
    res.end = (...args) => {
      Sentry.flush(10_000).finally(() => end(...args));
      return res;
    };
    next();
  };
}

function nameFromEmail(email) {
  const local = email.split('@')[0] ?? '';
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

export function createApp() {
  const dist = clientDist();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  if (isMutant('blocking-transport')) app.use(blockingFlush());
  app.use(express.json({ limit: '100kb' }));
  app.use(gateHeaders());

  app.use('/monitoring', monitoringRouter());
  app.use('/api/spotify', spotifyRouter());
  app.use('/api/auth', authRouter());

  app.post('/api/login', (req, res) => {
    const { email, password } = req.body ?? {};
    if (typeof email !== 'string' || !email.includes('@') || typeof password !== 'string' || password.length < 8) {
      res.status(400).json({ error: { status: 400, message: 'email and a password of 8+ characters are required' } });
      return;
    }
    res.json({ user: { name: nameFromEmail(email), email }, token: `session-${Buffer.from(email).toString('hex').slice(0, 24)}` });
  });

  app.get('/api/fail', () => {
    throw new Error('gate failing API: /api/fail always fails');
  });

  app.use('/__gate', gateRouter());
  app.use(clientRouter(dist));

  app.use((_req, res) => {
    res.status(404).json({ error: { status: 404, message: 'Not Found' } });
  });

  Sentry.setupExpressErrorHandler(app);
  // After Sentry's handler: answer JSON, never the stack.
  // eslint-disable-next-line no-unused-vars
  app.use((err, _req, res, _next) => {
    const status = Number(err?.status ?? err?.statusCode) || 500;
    if (res.headersSent) return;
    res.status(status).json({ error: { status, message: status >= 500 ? 'Internal Server Error' : String(err.message) } });
  });

  return app;
}
