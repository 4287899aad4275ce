"""The ingest against the real `@sentry/node` 11 client (tests/sdk_clients/node/send.mjs).

Each test runs `node send.mjs <scenario>` once against a fresh project and checks what the ingest
stored. What each scenario sends on the wire is described at the top of send.mjs.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from harness.common.prerequisites import unavailable
from harness.envelope import Event, Session, SpanContainer, Transaction, parse_envelope

pytestmark = pytest.mark.node

NODE_DIR = Path(__file__).resolve().parents[1] / "sdk_clients" / "node"
SEND_SCRIPT = NODE_DIR / "send.mjs"
SDK_VERSION = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["@sentry/node"]
RELEASE = "gate-node@1.0.0"
ENVIRONMENT = "test-node"
SPAN_V2 = "application/vnd.sentry.items.span.v2+json"
WAIT = 8.0  # seconds; the client has already flushed everything when send.mjs exits
# Variables of the runner's environment that would change what the SDK sends or where it sends it.
_SCRUBBED_ENV = (
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "NODE_OPTIONS",
)


@dataclass(frozen=True)
class NodeRun:
    scenario: str
    marker: str
    event_id: str | None
    trace_id: str | None
    sends: list[dict[str, Any]]


@pytest.fixture(scope="module")
def node_bin() -> str:
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js (`node`) is not on PATH")
    installed = NODE_DIR / "node_modules" / "@sentry" / "node" / "package.json"
    if not installed.is_file():
        unavailable(f"{NODE_DIR / 'node_modules'} is missing: run `npm ci --prefix tests/sdk_clients/node`")
    have = json.loads(installed.read_text())["version"]
    if have != SDK_VERSION:
        unavailable(f"@sentry/node {have} is installed but package.json pins {SDK_VERSION}: run `npm ci`")
    return node


@pytest.fixture
def run_node(node_bin: str, sentry_project: Any) -> Any:
    """Return `run(scenario) -> NodeRun`: runs send.mjs against `sentry_project` and checks its exit."""

    def run(scenario: str) -> NodeRun:
        marker = f"gate-{scenario}-{uuid.uuid4().hex}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_") and k not in _SCRUBBED_ENV}
        env["SENTRY_DSN"] = sentry_project.dsn
        env["GATE_MARKER"] = marker
        try:
            proc = subprocess.run(
                [node_bin, str(SEND_SCRIPT), scenario],
                cwd=NODE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"send.mjs {scenario} did not exit within 20 s; stderr: {exc.stderr!r}")
        assert proc.returncode == 0, (
            f"send.mjs {scenario} exited {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["marker"] == marker
        return NodeRun(scenario, marker, out["event_id"], out["trace_id"], out["sends"])

    return run


def _query(request: Any) -> dict[str, str]:
    query = request.query
    if isinstance(query, bytes):
        query = query.decode()
    if isinstance(query, str):
        return {k: v[-1] for k, v in parse_qs(query.lstrip("?"), keep_blank_values=True).items()}
    return {str(k): str(v[-1] if isinstance(v, list | tuple) else v) for k, v in dict(query).items()}


def _envelope_headers(sentry_ingest: Any, item: Any) -> dict[str, Any]:
    """The envelope headers of the request that carried `item`, read from the stored body."""
    headers: dict[str, Any] = parse_envelope(sentry_ingest.request_body(item.request_id, decoded=True)).headers
    return headers


def _request_of(sentry_project: Any, item: Any) -> Any:
    matching = [r for r in sentry_project.requests() if r.id == item.request_id]
    assert len(matching) == 1, f"request {item.request_id} of the item is not in requests()"
    return matching[0]


# --- traceLifecycle: 'static' -------------------------------------------------------------------


@pytest.fixture
def static_run(run_node: Any) -> NodeRun:
    run: NodeRun = run_node("static")
    assert sorted(t for s in run.sends for t in s["items"]) == ["event", "session", "session", "transaction"]
    return run


def test_static_error_event_has_marker_release_and_environment(
    static_run: NodeRun, sentry_project: Any, sentry_ingest: Any
) -> None:
    assert static_run.event_id
    (item,) = sentry_project.wait_for_items("event", event_id=static_run.event_id, timeout=WAIT)
    event = item.json()
    assert isinstance(item.view, Event)
    assert (item.view.event_id, item.view.release) == (static_run.event_id, RELEASE)
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Error"
    assert static_run.marker in exception["value"]
    assert exception["stacktrace"]["frames"], "the Node client sends a stack trace"
    assert event["tags"]["gate_marker"] == static_run.marker
    assert event["platform"] == "node"
    assert (item.release, item.environment) == (RELEASE, ENVIRONMENT)
    assert (event["release"], event["environment"]) == (RELEASE, ENVIRONMENT)
    assert item.event_id == static_run.event_id
    envelope_headers = _envelope_headers(sentry_ingest, item)
    assert envelope_headers["event_id"] == static_run.event_id
    assert envelope_headers["trace"]["public_key"] == sentry_project.key
    assert envelope_headers["trace"]["trace_id"] == static_run.trace_id
    # the release/environment filters select it too
    assert sentry_project.wait_for_items("event", release=RELEASE, environment=ENVIRONMENT, timeout=WAIT)
    assert sentry_project.items("event", release="other@0") == []


def test_static_transaction_item_holds_the_child_span(static_run: NodeRun, sentry_project: Any) -> None:
    (item,) = sentry_project.wait_for_items("transaction", timeout=WAIT)
    txn = item.json()
    assert isinstance(item.view, Transaction)
    assert item.view.transaction == "gate-static-root"
    assert [s["span_id"] for s in item.view.spans] == [s["span_id"] for s in txn["spans"]]
    assert txn["type"] == "transaction"
    assert txn["transaction"] == "gate-static-root"
    assert (item.release, item.environment) == (RELEASE, ENVIRONMENT)
    trace = txn["contexts"]["trace"]
    assert trace["trace_id"] == static_run.trace_id
    assert trace["data"]["gate_marker"] == static_run.marker
    (child,) = txn["spans"]
    assert child["description"] == "gate-static-child"
    assert child["parent_span_id"] == trace["span_id"]
    assert child["trace_id"] == static_run.trace_id
    assert sentry_project.items("span") == [], "traceLifecycle 'static' must not stream spans"


def test_static_release_health_session(static_run: NodeRun, sentry_project: Any) -> None:
    items = sentry_project.wait_for_items("session", count=2, timeout=WAIT)
    sessions = [i.json() for i in items]
    assert all(isinstance(i.view, Session) and i.view.release == RELEASE for i in items)
    assert len({s["sid"] for s in sessions}) == 1, sessions
    by_status = {s["status"]: s for s in sessions}
    assert set(by_status) == {"ok", "exited"}, sessions
    assert by_status["ok"]["init"] is True
    assert by_status["exited"]["init"] is False
    for session in sessions:
        assert session["errors"] == 1
        assert session["attrs"] == {"release": RELEASE, "environment": ENVIRONMENT}
    assert sentry_project.items("sessions") == [], "@sentry/node sends single sessions, not aggregates"


def test_static_requests_authenticate_in_the_query_string(static_run: NodeRun, sentry_project: Any) -> None:
    sentry_project.wait_for_items(count=4, timeout=WAIT)
    requests = sentry_project.requests()
    assert len(requests) == len(static_run.sends) == 4
    for request in requests:
        assert request.method == "POST"
        assert request.path == f"/api/{sentry_project.id}/envelope/"
        query = _query(request)
        assert query["sentry_key"] == sentry_project.key
        assert query["sentry_version"] == "7"
        assert query["sentry_client"] == f"sentry.javascript.node/{SDK_VERSION}"
        assert "x-sentry-auth" not in request.headers
        assert request.headers.get("transfer-encoding") == "chunked"
        assert "content-encoding" not in request.headers, "small envelopes are not compressed"
        assert request.status == 200, request.reason


# --- span streaming (the default) ----------------------------------------------------------------


def test_stream_sends_span_v2_items(run_node: Any, sentry_project: Any, sentry_ingest: Any) -> None:
    run: NodeRun = run_node("stream")
    (item,) = sentry_project.wait_for_items("span", timeout=WAIT)
    assert item.headers["content_type"] == SPAN_V2
    assert item.headers["item_count"] == 3
    view = item.view
    assert isinstance(view, SpanContainer)
    assert view.version == 2
    assert view.declared_count == 3
    assert view.count_matches
    spans = {s["name"]: s for s in view.items}
    assert set(spans) == {"gate-stream-root", "gate-stream-child-1", "gate-stream-grandchild"}
    root, child, grandchild = (spans[n] for n in ("gate-stream-root", "gate-stream-child-1", "gate-stream-grandchild"))
    assert root["is_segment"] is True
    assert root.get("parent_span_id") is None
    assert child["parent_span_id"] == root["span_id"]
    assert grandchild["parent_span_id"] == child["span_id"]
    assert not child["is_segment"]
    assert not grandchild["is_segment"]
    for span in spans.values():
        assert span["trace_id"] == run.trace_id
        assert span["end_timestamp"] >= span["start_timestamp"]
        assert span["attributes"]["sentry.release"] == {"value": RELEASE, "type": "string"}
        assert span["attributes"]["sentry.environment"] == {"value": ENVIRONMENT, "type": "string"}
        assert span["attributes"]["sentry.segment.id"]["value"] == root["span_id"]
    assert root["attributes"]["gate_marker"]["value"] == run.marker
    trace = _envelope_headers(sentry_ingest, item)["trace"]
    assert (trace["trace_id"], trace["transaction"]) == (run.trace_id, "gate-stream-root")
    assert sentry_project.items("transaction") == [], "streamed spans must not come as a transaction too"


# --- gzip above 32 KiB -----------------------------------------------------------------------------


def test_large_event_arrives_gzipped_and_decodes(run_node: Any, sentry_project: Any, sentry_ingest: Any) -> None:
    run: NodeRun = run_node("large")
    assert run.event_id
    (item,) = sentry_project.wait_for_items("event", event_id=run.event_id, timeout=WAIT)
    event = item.json()
    assert run.marker in event["exception"]["values"][0]["value"]
    blob = event["extra"]["gate_blob"]
    assert len(blob) == 43
    assert all(len(v) == 1024 for v in blob.values())
    assert (item.release, item.environment) == (RELEASE, ENVIRONMENT)

    request = _request_of(sentry_project, item)
    assert request.status == 200, request.reason
    assert request.headers.get("content-encoding") == "gzip"
    assert request.headers.get("transfer-encoding") == "chunked"
    raw = sentry_ingest.request_body(request.id)
    decoded = sentry_ingest.request_body(request.id, decoded=True)
    assert raw[:2] == b"\x1f\x8b"
    assert len(decoded) > 40 * 1024 > len(raw)
    assert gzip.decompress(raw) == decoded
    envelope = parse_envelope(decoded)
    assert envelope.event_id == run.event_id
    assert envelope.item_types() == ["event"]
