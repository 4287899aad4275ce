// Test hooks of the run-time contract: POST /__gate/fault, POST /__gate/flush, and the X-Gate-Fault /
// X-Gate-Marker headers. All of them exist only when GATE_FAULT_TOKEN is set and the request carries it
// in X-Gate-Token; otherwise the routes answer 404 like any unknown path and the headers are ignored.

import { timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import express from 'express';
import * as Sentry from '@sentry/node';
import { isMutant, settings } from '../config/env.mjs';
import { sentryEnabled } from '../config/sentry.mjs';

export const FLUSH_TIMEOUT_MS = 5000;

function sameToken(given, expected) {
  const a = Buffer.from(String(given ?? ''));
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether this request may use the test hooks. */
export function authorized(req) {
  if (isMutant('gate-routes-open')) return true;
  const token = settings().faultToken;
  return token !== null && sameToken(req.get('x-gate-token'), token);
}

class GateFault extends Error {
  constructor(kind, marker) {
    super(`gate fault ${kind} ${marker}`);
    this.name = 'GateFault';
  }
}

function markerOf(value) {
  const marker = typeof value === 'string' ? value.slice(0, 200) : '';
  return marker || 'unmarked';
}

function tagMarker(marker) {
  Sentry.getIsolationScope().setTag('gate.marker', marker);
  const span = Sentry.getActiveSpan();
  if (span) Sentry.getRootSpan(span).setAttribute('gate.marker', marker);
}

/** Tags traffic with X-Gate-Marker (any request), and applies X-Gate-Fault (authorized requests only). */
export function gateHeaders() {
  return async (req, _res, next) => {
    const marker = req.get('x-gate-marker');
    if (marker) tagMarker(markerOf(marker));
    const fault = req.get('x-gate-fault');
    if (fault && authorized(req)) {
      const slow = /^slow=(\d+)$/.exec(fault);
      if (slow) await delay(Math.min(Number(slow[1]), 120_000));
      else if (fault === 'throw') throw new GateFault('throw', markerOf(marker));
    }
    next();
  };
}

export function gateRouter() {
  const router = express.Router();
  router.use((req, res, next) => {
    if (authorized(req)) next();
    else res.status(404).json({ error: { status: 404, message: 'Not Found' } });
  });

  router.post('/fault', async (req, res) => {
    const body = req.body && typeof req.body === 'object' ? req.body : {};
    const kind = body.kind;
    const marker = markerOf(body.marker);
    tagMarker(marker);
    const crumbs = Math.min(Math.max(Number(body.breadcrumbs) || 0, 0), 1000);
    for (let i = 0; i < crumbs; i += 1) {
      Sentry.addBreadcrumb({ category: 'gate', message: `gate breadcrumb ${i} ${marker}`, level: 'info' });
    }
    switch (kind) {
      case 'throw':
        throw new GateFault(kind, marker);
      case 'reject':
        // Deliberately unhandled: the SDK's onUnhandledRejection integration must see it.
        Promise.reject(new GateFault(kind, marker));
        res.status(202).json({ ok: true, kind, marker });
        return;
      case 'slow': {
        const ms = Math.min(Math.max(Number(body.ms) || 0, 0), 120_000);
        await delay(ms);
        res.json({ ok: true, kind, marker, ms });
        return;
      }
      case 'status500':
        res.status(500).json({ ok: false, kind, marker });
        return;
      case 'log-error':
        console.error(`gate fault ${kind} ${marker}`);
        res.json({ ok: true, kind, marker });
        return;
      default:
        res.status(400).json({ error: { status: 400, message: `unknown kind ${JSON.stringify(kind)}` } });
    }
  });

  router.post('/flush', async (_req, res) => {
    // With the SDK off there is nothing to wait for: flushed, and `enabled` says why.
    const enabled = sentryEnabled();
    const flushed = enabled ? await Sentry.flush(FLUSH_TIMEOUT_MS) : true;
    res.json({ flushed, enabled });
  });

  return router;
}
