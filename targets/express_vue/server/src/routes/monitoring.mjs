// The plan's monitoring routes (Step 5), with the plan's answer shapes.

import express from 'express';
import * as Sentry from '@sentry/node';
import { settings } from '../config/env.mjs';
import { lastEventId, sentryEnabled } from '../config/sentry.mjs';

export function monitoringRouter() {
  const router = express.Router();
  const s = settings();

  router.get('/health', (_req, res) => {
    res.json({
      status: 'healthy',
      timestamp: new Date().toISOString(),
      version: s.release ?? 'unknown',
      environment: s.environment,
      sentry: { enabled: sentryEnabled(), environment: s.environment },
    });
  });

  router.get('/sentry-health', (_req, res) => {
    try {
      Sentry.addBreadcrumb({ message: 'Sentry health check', category: 'monitoring', level: 'info' });
      res.json({
        status: 'operational',
        // The id of the last error event sent (null before any); the sentry-health-stale mutant answers
        // the plan's literal `Date.now()`, which says nothing about the last event.
        lastEvent: s.mutant === 'sentry-health-stale' ? Date.now() : lastEventId(),
        configuration: { dsn: Boolean(s.dsn), environment: s.environment, release: s.release },
      });
    } catch (error) {
      res.status(500).json({ status: 'degraded', error: error.message });
    }
  });

  router.get('/metrics', (_req, res) => {
    res.json({
      uptime: process.uptime(),
      memory: process.memoryUsage(),
      cpu: process.cpuUsage(),
      timestamp: new Date().toISOString(),
    });
  });

  return router;
}
