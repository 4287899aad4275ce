"""`ingest serve --tail`: one line per item with type, release, environment and message or transaction."""

from __future__ import annotations

import orjson

from harness.cli.tail import describe_items
from harness.envelope import parse_envelope
from harness.ingest.rows import RequestRecord


def _record(body: bytes | None, status: int = 200, reason: str | None = None) -> RequestRecord:
    return RequestRecord(
        id=1,
        project=7,
        received_at=0.0,
        method="POST",
        path="/api/7/envelope/",
        query="",
        headers=[],
        status=status,
        reason=reason,
        endpoint="envelope",
        body=body or b"",
        envelope=parse_envelope(body) if body else None,
    )


def test_one_line_per_item() -> None:
    event = {"message": "boom", "release": "shop@1.2", "environment": "staging"}
    tx = {"transaction": "GET /api/search", "release": "shop@1.2", "environment": "staging"}
    exc = {"exception": {"values": [{"type": "ValueError", "value": "bad " * 40}]}}
    body = b"\n".join(
        [
            b'{"event_id":"' + b"a" * 32 + b'","trace":{"environment":"staging"}}',
            b'{"type":"event"}',
            orjson.dumps(event),
            b'{"type":"transaction"}',
            orjson.dumps(tx),
            b'{"type":"event"}',
            orjson.dumps(exc),
            b'{"type":"client_report"}',
            b'{"discarded_events":[]}',
        ]
    )
    lines = describe_items(_record(body))
    assert len(lines) == 4
    assert lines[0].endswith('200 project=7 event release=shop@1.2 environment=staging message="boom"')
    assert lines[1].endswith('transaction release=shop@1.2 environment=staging transaction="GET /api/search"')
    assert 'environment=staging message="ValueError: bad bad' in lines[2]  # from the trace header
    assert lines[2].endswith('…"')  # long messages are cut
    assert lines[3].endswith("client_report environment=staging")


def test_a_refused_request_is_one_line_with_its_reason() -> None:
    assert describe_items(_record(None, 401, "missing auth"))[0].endswith("401 project=7 - (missing auth)")
