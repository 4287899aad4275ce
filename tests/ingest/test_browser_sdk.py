"""The real `@sentry/browser` client, in Debian's Chromium, against the ingest.

The page (`tests/sdk_clients/browser/`: `index.html` plus an esbuild bundle of `src/main.js`) is served
from its own loopback port, so every envelope is a real cross-origin request that the ingest's CORS
answer must let the page read. One browser serves the whole module; each test gets a fresh context
(so a fresh replay session) and a fresh ingest project. Nothing here sleeps: the page is driven and
read through `window.__gate`, waits are Playwright's `wait_for_function` and the fixture's
`wait_for_items`, each with a deadline.

Skips (with the reason) when Debian's Chromium or the built bundle is missing, except when `CI` is set:
the make target installs both there, so a skip would hide a gap (`harness.common.prerequisites`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.common.browser import chromium, chromium_missing
from harness.common.prerequisites import unavailable
from harness.envelope import Event, Feedback, ReplayRecording, SpanContainer
from tests.support.http_server import serving

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, BrowserContext, Page

    from harness.ingest import ProjectHandle, StoredItem, StoredRequest

PAGE_DIR = Path(__file__).resolve().parent.parent / "sdk_clients" / "browser"
BUNDLE = PAGE_DIR / "dist" / "bundle.js"
BUILD_HINT = "cd tests/sdk_clients/browser && npm ci && npm run build"

RELEASE = "gate-browser@1.0.0"
ENVIRONMENT = "test-browser"
SDK_VERSION = "11.12.0"
PAGE_TIMEOUT_MS = 10_000
INGEST_TIMEOUT_S = 10.0

# rrweb event types and incremental sources (rrweb packages/types/src/index.ts)
RRWEB_FULL_SNAPSHOT = 2
RRWEB_INCREMENTAL = 3
RRWEB_META = 4
RRWEB_SOURCE_INPUT = 5


def _missing() -> str | None:
    if (why := chromium_missing()) is not None:
        return why
    if not BUNDLE.exists():
        return f"{BUNDLE.relative_to(PAGE_DIR.parent.parent.parent)} is not built ({BUILD_HINT})"
    return None


if (_reason := _missing()) is not None:
    unavailable(_reason, allow_module_level=True)

pytestmark = pytest.mark.browser


# --- the page's own origin ---------------------------------------------------------------------------


class _PageHandler(SimpleHTTPRequestHandler):
    """Serves only the test page and its bundle (never node_modules), quietly."""

    ALLOWED = frozenset({"/index.html", "/dist/bundle.js", "/dist/bundle.js.map"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(PAGE_DIR), **kwargs)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path not in self.ALLOWED:
            self.send_error(404)
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """`http://127.0.0.1:<port>`: a static server in a thread, on another port than the ingest."""
    with serving(_PageHandler, name="browser-page-server") as url:
        yield url


# --- the browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium(extra_args=("--disable-quic",)) as launched:
        yield launched


@dataclass
class GatePage:
    """A loaded test page plus what it logged, for assertion messages."""

    page: Page
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def flush(self) -> None:
        """Replay flush, then `Sentry.flush()`: resolves once the transport has its answers."""
        drained = self.page.evaluate("window.__gate.flush(5000)")
        assert drained is True, f"Sentry.flush() timed out in the page; {self.debug()}"

    def sent(self) -> list[dict[str, Any]]:
        """What the page's transport saw answered: item types and status (or the fetch error)."""
        result: list[dict[str, Any]] = self.page.evaluate("window.__gate.state.sent")
        return result

    def debug(self) -> str:
        return f"page sent {self.sent()}; console {self.console}; page errors {self.errors}"


@pytest.fixture
def gate_page(browser: Browser, page_origin: str, sentry_project: ProjectHandle) -> Iterator[GatePage]:
    """The test page in a fresh context, its SDK pointed at this test's project."""
    context: BrowserContext = browser.new_context()
    try:
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        # Run-time config, as a target hands it to its page: the DSN is not in the bundle.
        context.add_init_script(f"window.__GATE_CONFIG__ = {json.dumps({'dsn': sentry_project.dsn})};")
        page = context.new_page()
        gate = GatePage(page)
        page.on("console", lambda msg: gate.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: gate.errors.append(str(exc)))
        page.goto(f"{page_origin}/index.html")
        page.wait_for_function("window.__gate && window.__gate.state.initialised === true")
        yield gate
    finally:
        context.close()


def _stored_request(sentry_project: ProjectHandle, request_id: int) -> StoredRequest:
    for request in sentry_project.requests():
        if request.id == request_id:
            return request
    raise AssertionError(f"request {request_id} is not among the project's stored requests")


def _event(item: StoredItem) -> Event:
    view = item.view
    assert isinstance(view, Event), f"{item.type} item decoded as {type(view).__name__}"
    return view


def _spans(item: StoredItem) -> SpanContainer:
    view = item.view
    assert isinstance(view, SpanContainer), f"{item.type} item decoded as {type(view).__name__}"
    return view


def _recording(item: StoredItem) -> ReplayRecording:
    view = item.view
    assert isinstance(view, ReplayRecording), f"{item.type} item decoded as {type(view).__name__}"
    return view


def _query_params(query: str) -> dict[str, list[str]]:
    return parse_qs(query.lstrip("?"), keep_blank_values=True)


def _attr(span: dict[str, Any], name: str) -> Any:
    """A span v2 attribute's value (`{"value": …, "type": …}`)."""
    value = span.get("attributes", {}).get(name)
    return value.get("value") if isinstance(value, dict) else value


# --- tests -------------------------------------------------------------------------------------------------


def test_error_thrown_from_a_click_arrives(gate_page: GatePage, sentry_project: ProjectHandle) -> None:
    marker = f"click-{uuid.uuid4().hex}"
    page = gate_page.page
    page.evaluate("marker => window.__gate.armClickError(marker)", marker)
    page.click("#throw-error")
    gate_page.flush()

    items = sentry_project.wait_for_items(
        type="event", count=1, timeout=INGEST_TIMEOUT_S, release=RELEASE, environment=ENVIRONMENT
    )
    matching = [item for item in items if marker in _event(item).text()]
    assert matching, f"no event carries {marker}: {[_event(item).text() for item in items]}"
    event = matching[0]
    assert event.release == RELEASE
    assert event.environment == ENVIRONMENT
    data = event.json()
    assert data["sdk"]["name"] == "sentry.javascript.browser"
    assert data["sdk"]["version"] == SDK_VERSION
    exception = _event(event).exceptions[-1]
    assert exception["type"] == "Error"
    assert exception["value"] == f"gate click error {marker}"
    assert exception["mechanism"]["handled"] is False
    # The page could read the answer: the ingest's CORS headers let a cross-origin fetch through.
    assert {"types": ["event"], "status": 200} in gate_page.sent(), gate_page.debug()


def test_user_feedback_arrives_as_a_feedback_item(gate_page: GatePage, sentry_project: ProjectHandle) -> None:
    marker = f"feedback-{uuid.uuid4().hex}"
    gate_page.page.evaluate("marker => window.__gate.captureFeedback(marker)", marker)
    gate_page.flush()
    (item,) = sentry_project.wait_for_items(type="feedback", count=1, timeout=INGEST_TIMEOUT_S)
    view = item.view
    assert isinstance(view, Feedback)
    assert view.data["contexts"]["feedback"]["message"] == f"gate feedback {marker}"


def test_error_envelope_uses_query_auth_and_text_plain(
    gate_page: GatePage, sentry_project: ProjectHandle, page_origin: str
) -> None:
    marker = f"query-auth-{uuid.uuid4().hex}"
    gate_page.page.evaluate("marker => window.__gate.throwError(marker)", marker)
    gate_page.page.wait_for_function("window.__gate.lastEventId() !== null")
    gate_page.flush()

    (event,) = [
        item
        for item in sentry_project.wait_for_items(type="event", count=1, timeout=INGEST_TIMEOUT_S)
        if marker in _event(item).text()
    ]
    request = _stored_request(sentry_project, event.request_id)
    assert request.method == "POST"
    assert request.path == f"/api/{sentry_project.id}/envelope/"
    assert request.status == 200
    params = _query_params(request.query)
    assert params.get("sentry_key") == [sentry_project.key]
    assert params.get("sentry_version") == ["7"]
    assert params.get("sentry_client") == [f"sentry.javascript.browser/{SDK_VERSION}"]
    # A string body: the browser's fetch labels it text/plain, which keeps the request "simple"
    # (no CORS preflight). Auth is in the query only, never in a header.
    assert request.headers.get("content-type") == "text/plain;charset=UTF-8"
    assert "x-sentry-auth" not in request.headers
    assert "authorization" not in request.headers
    assert request.headers.get("origin") == page_origin
    assert "content-encoding" not in request.headers
    assert not any(r.method == "OPTIONS" for r in sentry_project.requests())


def test_pageload_spans_arrive(gate_page: GatePage, sentry_project: ProjectHandle) -> None:
    page = gate_page.page
    # The pageload span is an idle span: it ends by itself ~1 s after the page goes quiet.
    page.wait_for_function("window.__gate.state.pageloadEnded === true")
    trace_id = page.evaluate("window.__gate.state.pageloadTraceId")
    gate_page.flush()

    sentry_project.wait_for_items(type="span", count=1, timeout=INGEST_TIMEOUT_S)
    # The page's flush resolved once every envelope was answered; `items()` reads all that is stored.
    items = sentry_project.items(type="span")
    segments = []
    for item in items:
        container = _spans(item)
        # SDK 11 streams spans by default: span v2 containers, count declared in the item header.
        assert item.headers.get("content_type") == "application/vnd.sentry.items.span.v2+json"
        assert container.version == 2
        assert container.count_matches
        segments += [span for span in container.items if span.get("is_segment")]
    pageloads = [span for span in segments if _attr(span, "sentry.op") == "pageload"]
    assert pageloads, f"no pageload segment span among {[s.get('name') for s in segments]}"
    pageload = pageloads[0]
    assert pageload["trace_id"] == trace_id
    assert _attr(pageload, "sentry.release") == RELEASE
    assert _attr(pageload, "sentry.environment") == ENVIRONMENT
    assert _attr(pageload, "url.path") == "/index.html"
    children = [
        span for item in items for span in _spans(item).items if span.get("parent_span_id") == pageload["span_id"]
    ]
    assert children, "the pageload span came without child spans (resource, paint, navigation timings)"


def test_replay_records_typed_input_masked(gate_page: GatePage, sentry_project: ProjectHandle) -> None:
    page = gate_page.page
    page.wait_for_function("window.__gate.recordingMode() === 'session' && window.__gate.replayId() !== null")
    replay_id = page.evaluate("window.__gate.replayId()")
    secret = f"typed {uuid.uuid4().hex[:12]}"
    page.locator("#name").press_sequentially(secret)
    gate_page.flush()

    (replay_event,) = sentry_project.wait_for_items(type="replay_event", count=1, timeout=INGEST_TIMEOUT_S)
    recordings = sentry_project.wait_for_items(type="replay_recording", count=1, timeout=INGEST_TIMEOUT_S)
    assert replay_event.json()["replay_id"] == replay_id
    assert replay_event.json()["segment_id"] == 0
    assert replay_event.json()["replay_type"] == "session"
    assert replay_event.release == RELEASE

    first = min(recordings, key=lambda item: _recording(item).segment_id)
    recording = _recording(first)
    assert recording.segment_id == 0
    # Default `useCompression`: the SDK's worker deflates the rrweb JSON (zlib, 78 9c).
    assert recording.compressed is True
    types = [event.get("type") for event in recording.events]
    assert RRWEB_META in types
    assert RRWEB_FULL_SNAPSHOT in types, f"no FullSnapshot in segment 0: {types}"
    inputs = [
        event["data"]
        for event in recording.events
        if event.get("type") == RRWEB_INCREMENTAL and event.get("data", {}).get("source") == RRWEB_SOURCE_INPUT
    ]
    assert inputs, f"typing produced no rrweb Input events: {types}"
    # maskAllInputs (the default) turns each character into '*'; the typed text never leaves.
    assert inputs[-1]["text"] == "*" * len(secret)
    recorded = json.dumps(recording.events)
    assert secret not in recorded
    # maskAllText (the default): the page's text is in the snapshot only as asterisks.
    assert "Text that a default replay masks." not in recorded
    assert "**** **** * ******* ****** ******" in recorded

    # The envelope carries a binary item, so the body is bytes and the browser sends no Content-Type.
    request = _stored_request(sentry_project, first.request_id)
    assert "content-type" not in request.headers
    assert _query_params(request.query).get("sentry_key") == [sentry_project.key]
    assert any(
        entry.get("types") == ["replay_event", "replay_recording"] and entry.get("status") == 200
        for entry in gate_page.sent()
    ), gate_page.debug()
