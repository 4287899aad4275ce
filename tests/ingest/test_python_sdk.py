"""The real sentry-sdk, with brotli, gzip and no compression: every item type arrives and decodes."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from harness.envelope import (
    Attachment,
    CheckIn,
    ClientReport,
    Event,
    LogBatch,
    Profile,
    ProfileChunk,
    Session,
    Sessions,
    TraceMetricBatch,
    Transaction,
)
from harness.ingest import ProjectHandle

CLIENT = Path(__file__).parents[1] / "sdk_clients" / "python" / "send_all.py"
EXPECTED_ENCODING = {"br": "br", "gzip": "gzip", "none": None}


@pytest.mark.parametrize("compression", ["br", "gzip", "none"])
def test_every_item_type_arrives_and_decodes(sentry_project: ProjectHandle, compression: str) -> None:
    marker = uuid.uuid4().hex[:12]
    subprocess.run(
        [sys.executable, str(CLIENT), compression, marker],
        env={"SENTRY_DSN": sentry_project.dsn, "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=60,
    )
    wanted = {
        "event": Event,
        "transaction": Transaction,
        "attachment": Attachment,
        "client_report": ClientReport,
        "check_in": CheckIn,
        "log": LogBatch,
        "trace_metric": TraceMetricBatch,
        "profile": Profile,
        "session": Session,
        "sessions": Sessions,
        "profile_chunk": ProfileChunk,
    }
    for item_type in wanted:
        sentry_project.wait_for_items(item_type, timeout=15)
    items = sentry_project.items()
    by_type: dict[str, list[object]] = {}
    for item in items:
        by_type.setdefault(item.type, []).append(item.view)
    for item_type, view in wanted.items():
        assert all(isinstance(v, view) for v in by_type[item_type]), item_type
    aggregates = [a for v in by_type["sessions"] if isinstance(v, Sessions) for a in v.aggregates]
    assert sum(int(a.get("exited", 0)) for a in aggregates) >= 1

    events = [v for v in by_type["event"] if isinstance(v, Event)]
    texts = "\n".join(e.text() for e in events)
    assert f"message {marker}" in texts
    assert f"exception {marker}" in texts
    assert f"drop me {marker}" not in texts
    assert {e.release for e in events} == {"gate-python@1.0.0"}
    assert {e.environment for e in events} == {"test-python"}

    reports = [d for v in by_type["client_report"] if isinstance(v, ClientReport) for d in v.discarded]
    assert any(d.reason == "before_send" and d.category == "error" for d in reports), reports
    attachment = next(v for v in by_type["attachment"] if isinstance(v, Attachment))
    assert attachment.data == b"\x00attachment bytes\xff"
    assert attachment.filename == "blob.bin"
    logs = [r for v in by_type["log"] if isinstance(v, LogBatch) for r in v.items]
    assert any(marker in str(r.get("body")) for r in logs)
    metrics = [r for v in by_type["trace_metric"] if isinstance(v, TraceMetricBatch) for r in v.items]
    assert any(r.get("name") == "gate.test.count" for r in metrics)
    tx = next(v for v in by_type["transaction"] if isinstance(v, Transaction))
    assert tx.transaction == f"tx {marker}"
    assert any(s.get("op") == "work" for s in tx.spans)

    # the wire: compression as configured, X-Sentry-Auth header, raw bytes retrievable and decodable
    requests = sentry_project.requests()
    assert requests
    assert {r.headers.get("content-encoding") for r in requests} == {EXPECTED_ENCODING[compression]}
    assert all("sentry_key=" in r.headers["x-sentry-auth"] for r in requests)
    raw = sentry_project.client.request_body(requests[0].id)
    decoded = sentry_project.client.request_body(requests[0].id, decoded=True)
    assert len(raw) == requests[0].body_size
    assert decoded.startswith(b"{")
