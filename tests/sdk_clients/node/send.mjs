// Real @sentry/node client for sentry-gate's ingest tests (tests/ingest/test_node_sdk.py).
//
// Usage: SENTRY_DSN=http://<key>@127.0.0.1:<port>/<id> node send.mjs <static|stream|large> [marker]
//        (the marker may also come from env GATE_MARKER; a random one is made otherwise)
// On success prints one JSON line on stdout
//   {"scenario", "marker", "event_id", "trace_id", "sends": [{"status", "items"}]}
// and exits 0; exits 1 with a message on stderr when a send fails, is answered non-2xx or does not
// finish within the close timeout; exits 2 on bad usage.
//
// OBSERVED ON THE WIRE (@sentry/node 11.12.0, Node 20.20, against a throwaway 127.0.0.1 capture server):
// - Every request: POST /api/<id>/envelope/?sentry_version=7&sentry_key=<key>&sentry_client=sentry.javascript.node%2F11.12.0
//   Auth only in the query string (no X-Sentry-Auth). Headers: user-agent sentry.javascript.node/11.12.0,
//   Host, Connection: keep-alive, Transfer-Encoding: chunked; no Content-Type, no Content-Length.
//   One envelope per request, one item per envelope; item headers carry no `length`; the body has
//   no trailing newline. Envelope headers: sent_at, sdk, plus event_id and trace (DSC: environment,
//   release, public_key, trace_id[, transaction, sampled, sample_rand, sample_rate]) for events and
//   transactions, trace for span envelopes; no `dsn`.
// - static (traceLifecycle: 'static', tracesSampleRate 1), 4 requests (order may vary: they run in parallel):
//     `session` {sid, init: true, status "ok", errors 1, attrs {release, environment}} (the session the
//       ProcessSession integration starts at init, updated by the exception),
//     `event` (exception value "gate static error <marker>", tags.gate_marker, release, environment),
//     `session` (same sid, init false, status "exited", errors 1) from Sentry.endSession(),
//     `transaction` "gate-static-root" with the child in `spans` (parent_span_id = root span_id).
//   Sessions are single `session` items, never `sessions` aggregates (those are server-mode request
//   sessions). Without the flush before endSession() only an "exited" session with errors 0 is sent.
// - stream (default traceLifecycle 'stream'), 2 requests: `session` (init true, status "exited",
//     errors 0), then one `span` item
//     {"type":"span","item_count":3,"content_type":"application/vnd.sentry.items.span.v2+json"}
//     with payload {"version":2,"items":[grandchild, child, root]} (no "ingest_settings" in 11.12.0);
//     each span has trace_id, span_id, parent_span_id (absent on the root), name, status "ok",
//     is_segment (true only on the root), start_timestamp, end_timestamp and typed attributes
//     {key: {value, type}} (sentry.release, sentry.environment, sentry.segment.id, gate_marker, ...).
// - large: 2 requests: `session` (init true, status "ok", errors 1), then the event with ~44 KiB of
//     extra.gate_blob: 47.8 KB envelope sent as `content-encoding: gzip` (2.2 KB on the wire, still
//     Transfer-Encoding: chunked, no Content-Length); decompressed it is a normal one-`event` envelope.
//     Envelopes up to 32 KiB are sent uncompressed.
// - No `client_report` item was sent in any scenario (nothing was discarded).

import * as Sentry from '@sentry/node';
import { randomBytes } from 'node:crypto';

const SCENARIOS = new Set(['static', 'stream', 'large']);
const scenario = process.argv[2];
const dsn = process.env.SENTRY_DSN;
const marker = process.argv[3] || process.env.GATE_MARKER || `gate-marker-${randomBytes(8).toString('hex')}`;

if (!SCENARIOS.has(scenario) || !dsn) {
  console.error(`usage: SENTRY_DSN=... node send.mjs <${[...SCENARIOS].join('|')}> [marker]`);
  process.exit(2);
}

// Record what the transport really did, so a refused or failed send makes this script fail.
const sends = [];
const failures = [];
function recordingTransport(options) {
  const inner = Sentry.makeNodeTransport(options);
  return {
    flush: (timeout) => inner.flush(timeout),
    send: async (envelope) => {
      const items = envelope[1].map(([headers]) => headers.type);
      try {
        const response = await inner.send(envelope);
        const status = response?.statusCode;
        sends.push({ status: status ?? null, items });
        if (status === undefined) {
          failures.push(`envelope [${items}] was not sent (dropped by the transport, e.g. rate limit)`);
        } else if (status < 200 || status >= 300) {
          failures.push(`envelope [${items}] answered HTTP ${status}`);
        }
        return response;
      } catch (error) {
        sends.push({ status: null, items, error: String(error) });
        failures.push(`envelope [${items}] failed: ${error}`);
        throw error;
      }
    },
  };
}

Sentry.init({
  dsn,
  release: 'gate-node@1.0.0',
  environment: 'test-node',
  tracesSampleRate: 1,
  traceLifecycle: scenario === 'static' ? 'static' : 'stream',
  transport: recordingTransport,
  // Nothing from the environment of the test runner may change what is sent.
  debug: false,
});

let eventId = null;
let traceId = null;

try {
  if (scenario === 'static') {
    eventId = Sentry.captureException(new Error(`gate static error ${marker}`), {
      tags: { gate_marker: marker },
    });
    // Event processing is asynchronous: let it finish (and mark the session errored) before the
    // session is ended below, or the SDK sends only an "exited" session with errors=0.
    await Sentry.flush(3000);
    Sentry.startSpan({ name: 'gate-static-root', op: 'gate.test', attributes: { gate_marker: marker } }, (root) => {
      traceId = root.spanContext().traceId;
      Sentry.startSpan({ name: 'gate-static-child', op: 'gate.child' }, () => {});
    });
    // Ends the session the ProcessSession integration started at init (sent as a `session` item).
    Sentry.endSession();
  } else if (scenario === 'stream') {
    Sentry.startSpan({ name: 'gate-stream-root', op: 'gate.test', attributes: { gate_marker: marker } }, (root) => {
      traceId = root.spanContext().traceId;
      Sentry.startSpan({ name: 'gate-stream-child-1', op: 'gate.child' }, () => {
        Sentry.startSpan({ name: 'gate-stream-grandchild', op: 'gate.child' }, () => {});
      });
    });
    Sentry.endSession();
  } else {
    // 43 chunks of 1 KiB: well above the transport's 32 KiB gzip threshold, well below 1 MiB.
    const blob = {};
    for (let i = 0; i < 43; i += 1) {
      blob[`chunk_${String(i).padStart(2, '0')}`] = `${i}:`.padEnd(1024, 'abcdefghijklmnopqrstuvwxyz0123456789');
    }
    eventId = Sentry.captureException(new Error(`gate large error ${marker}`), {
      extra: { gate_blob: blob },
      tags: { gate_marker: marker },
    });
  }
} catch (error) {
  console.error(`send.mjs: scenario ${scenario} threw: ${error?.stack ?? error}`);
  await Sentry.close(2000);
  process.exit(1);
}

const flushed = await Sentry.close(5000);
if (!flushed) {
  failures.push('Sentry.close(5000) timed out before everything was sent');
}
if (sends.length === 0) {
  failures.push('nothing was sent');
}
process.stdout.write(`${JSON.stringify({ scenario, marker, event_id: eventId, trace_id: traceId, sends })}\n`);
if (failures.length) {
  console.error(`send.mjs: ${scenario}: ${failures.join('; ')}`);
  process.exit(1);
}
process.exit(0);
