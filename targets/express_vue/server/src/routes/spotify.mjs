// The Spotify proxy and the OAuth callback. The client holds the bearer token and sends it; the server
// passes it upstream. Upstream failures are answered with a status that says what happened and captured,
// unless the `upstream-errors-swallowed` mutant hides them.

import express from 'express';
import * as Sentry from '@sentry/node';
import { isMutant, settings } from '../config/env.mjs';


export class UpstreamError extends Error {
  constructor(message, status, upstreamStatus) {
    super(message);
    this.name = 'UpstreamError';
    this.status = status;
    this.upstreamStatus = upstreamStatus;
  }
}

async function callUpstream(url, init) {
  const timeoutMs = settings().spotifyTimeoutMs;
  const signal = isMutant('no-upstream-timeout') ? undefined : AbortSignal.timeout(timeoutMs);
  let response;
  try {
    response = await fetch(url, { ...init, signal });
  } catch (error) {
    if (error?.name === 'TimeoutError' || error?.name === 'AbortError') {
      throw new UpstreamError(`Spotify did not answer within ${timeoutMs} ms`, 504, 'timeout');
    }
    throw new UpstreamError(`Spotify unreachable: ${error?.cause?.code ?? error?.message}`, 502, 'network');
  }
  const text = await response.text();
  if (!response.ok) {
    const err = new UpstreamError(`Spotify answered ${response.status}`, response.status, String(response.status));
    err.retryAfter = response.headers.get('retry-after');
    err.body = text;
    throw err;
  }
  return text === '' ? {} : JSON.parse(text);
}

/** Answer an upstream failure: same status (or 502/504), a JSON error, and a captured event. */
function upstreamFailure(res, error, emptyShape) {
  if (!(error instanceof UpstreamError)) throw error;
  if (isMutant('upstream-errors-swallowed')) {
    res.json(emptyShape);
    return;
  }
  Sentry.withScope((scope) => {
    scope.setTag('upstream.status', error.upstreamStatus);
    scope.setLevel(error.status === 401 ? 'warning' : 'error');
    Sentry.captureException(error);
  });
  if (error.retryAfter) res.set('Retry-After', error.retryAfter);
  res.status(error.status).json({ error: { status: error.status, message: error.message } });
}

function bearer(req) {
  const header = req.get('authorization');
  return header ? { authorization: header } : {};
}

export function spotifyRouter() {
  const router = express.Router();
  const api = () => settings().spotifyApiUrl;

  router.get('/search', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    if (!q) {
      res.status(400).json({ error: { status: 400, message: 'q is required' } });
      return;
    }
    const url = `${api()}/search?${new URLSearchParams({ q, type: 'track', limit: '10' })}`;
    try {
      res.json(await callUpstream(url, { headers: bearer(req) }));
    } catch (error) {
      upstreamFailure(res, error, { tracks: { items: [], total: 0 } });
    }
  });

  router.get('/tracks/:id', async (req, res) => {
    try {
      res.json(await callUpstream(`${api()}/tracks/${encodeURIComponent(req.params.id)}`, { headers: bearer(req) }));
    } catch (error) {
      upstreamFailure(res, error, {});
    }
  });

  router.get('/me', async (req, res) => {
    try {
      res.json(await callUpstream(`${api()}/me`, { headers: bearer(req) }));
    } catch (error) {
      upstreamFailure(res, error, {});
    }
  });

  return router;
}

export function authRouter() {
  const router = express.Router();

  router.get('/callback', async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (!code || !state) {
      res.status(400).json({ error: { status: 400, message: 'code and state are required' } });
      return;
    }
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${req.protocol}://${req.get('host')}/api/auth/callback`,
    });
    try {
      const token = await callUpstream(`${settings().spotifyAccountsUrl}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      res.json({ access_token: token.access_token, token_type: token.token_type, expires_in: token.expires_in });
    } catch (error) {
      upstreamFailure(res, error, {});
    }
  });

  return router;
}
