// The test page's client: the real @sentry/browser, configured at run time.
//
// The DSN is never baked into the bundle: it comes from `window.__GATE_CONFIG__` (set by the test,
// e.g. with Playwright's add_init_script) or from the page's query string (`?dsn=...`).
// Everything the tests drive goes through `window.__gate`; tests wait on its state with deadlines
// (Playwright's wait_for_function) rather than sleeping.
import * as Sentry from '@sentry/browser';

const params = new URLSearchParams(window.location.search);
const config = { ...(window.__GATE_CONFIG__ || {}) };
const dsn = config.dsn || params.get('dsn') || undefined;

const state = {
  dsn: dsn || null,
  initialised: false,
  pageloadEnded: false,
  pageloadTraceId: null,
  sent: [], // one entry per envelope the transport answered: item types and HTTP status
};

Sentry.init({
  dsn,
  release: config.release || 'gate-browser@1.0.0',
  environment: config.environment || 'test-browser',
  debug: Boolean(config.debug),
  tracesSampleRate: 1.0,
  replaysSessionSampleRate: 1.0,
  replaysOnErrorSampleRate: 1.0,
  integrations: [
    Sentry.browserTracingIntegration(),
    Sentry.replayIntegration({
      // Defaults are kept (maskAllText, maskAllInputs, blockAllMedia): the tests see what a
      // default install sends. Only the minimum duration changes: in 11.12.0 `_flush()` drops a
      // flush silently (and re-arms its 5 s debounce) while `Date.now() - session.started <
      // minReplayDuration` (default 4999 ms, capped at 50 s), so `getReplay().flush()` on a page
      // younger than 5 s would send nothing. 0 lets a test flush at once instead of waiting.
      minReplayDuration: config.minReplayDuration ?? 0,
    }),
  ],
});

function itemTypes(envelope) {
  return (envelope[1] || []).map((item) => item[0] && item[0].type);
}

const client = Sentry.getClient();
if (client) {
  state.initialised = true;
  client.on('spanEnd', (span) => {
    const json = Sentry.spanToJSON(span);
    if (config.debugSpans) console.log('spanEnd', JSON.stringify(json).slice(0, 400));
    // SDK 11 keeps a span's op in its attributes (`sentry.op`); `op` is only set on static spans.
    const op = json.op || (json.attributes && json.attributes['sentry.op']);
    if (op === 'pageload') {
      state.pageloadEnded = true;
      state.pageloadTraceId = json.trace_id;
    }
  });

  // Record what the transport answered, so a test can tell "sent and refused" from "never sent".
  const transport = client.getTransport();
  if (transport) {
    const send = transport.send.bind(transport);
    transport.send = async (envelope) => {
      const types = itemTypes(envelope);
      try {
        const response = await send(envelope);
        state.sent.push({ types, status: response && response.statusCode });
        return response;
      } catch (err) {
        state.sent.push({ types, error: String(err) });
        throw err;
      }
    };
  }
}

function throwFromClick(event) {
  const marker = event.currentTarget.dataset.marker || 'no-marker';
  // Thrown out of an event handler: the SDK's wrapped addEventListener (BrowserApiErrors) reports
  // it, mechanism `auto.browser.browserapierrors.addEventListener`, handled: false.
  throw new Error(`gate click error ${marker}`);
}

document.addEventListener('DOMContentLoaded', () => {
  const button = document.getElementById('throw-error');
  if (button) {
    button.addEventListener('click', throwFromClick);
  }
});

window.__gate = {
  state,
  sdkVersion: Sentry.SDK_VERSION,
  /**
   * Flush the replay (sends the pending segment) and then every queued envelope. Resolves true
   * once the transport has the ingest's answers, false when `timeoutMs` passes first: a failed
   * replay send is retried after 5, 10 and 30 s, and a test must not wait for that.
   */
  async flush(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    let timer;
    const expired = new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drain = (async () => {
      const replay = Sentry.getReplay();
      if (replay) {
        await replay.flush();
      }
      return Sentry.flush(Math.max(1, deadline - Date.now()));
    })();
    try {
      return await Promise.race([drain, expired]);
    } finally {
      clearTimeout(timer);
    }
  },
  /** Throw an uncaught error from a task, as an app bug would. */
  throwError(marker) {
    setTimeout(() => {
      throw new Error(`gate thrown error ${marker}`);
    }, 0);
  },
  /** Arm the page's button so that clicking it throws an error carrying `marker`. */
  armClickError(marker) {
    document.getElementById('throw-error').dataset.marker = marker;
  },
  captureFeedback(marker) {
    // User feedback travels as its own `feedback` item type.
    return Sentry.captureFeedback({ message: `gate feedback ${marker}`, name: 'Gate Tester' });
  },
  captureMessage(marker) {
    return Sentry.captureMessage(`gate message ${marker}`);
  },
  replayId() {
    const replay = Sentry.getReplay();
    return replay ? replay.getReplayId() || null : null;
  },
  recordingMode() {
    const replay = Sentry.getReplay();
    return replay ? replay.getRecordingMode() || null : null;
  },
  lastEventId() {
    return Sentry.lastEventId() || null;
  },
};
