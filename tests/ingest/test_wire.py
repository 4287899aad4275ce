"""The stored-item wire codec: what the control API encodes, the client decodes unchanged (odd payloads too)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.envelope import Envelope, Item
from harness.ingest.rows import RequestRecord
from harness.ingest.store import Store
from harness.ingest.wire import (
    StoredItem,
    item_from_wire,
    item_to_wire,
    request_from_wire,
    request_to_wire,
)

PAYLOADS = {
    "binary": bytes(range(256)) * 4,
    "empty": b"",
    "unicode": "héllo wörld ✓ 🚀 日本語 \u0000 \u2028".encode(),
    "invalid utf-8": b"\xff\xfe\xc3\x28\x80",
    "json": b'{"event_id":"abc","message":"boom"}',
    "large": os.urandom(8 * 1024 * 1024 + 3),
}


def _over_the_wire(value: dict[str, Any]) -> Any:
    """The JSON bytes a response carries, read back as the client reads them."""
    return orjson.loads(orjson.dumps(value))


def _item_row(payload: bytes, **overrides: Any) -> dict[str, Any]:
    return {
        "id": 3,
        "request_id": 2,
        "project": 7,
        "idx": 0,
        "accepted": 1,
        "type": "attachment",
        "headers": orjson.dumps({"type": "attachment", "length": len(payload), "filename": "ü.bin"}),
        "payload": payload,
        "event_id": "9f3c8a1e2b4d4f60a1b2c3d4e5f60718",
        "release": "shop@1.2",
        "environment": "staging",
        "received_at": 1_700_000_000.123456,
        "envelope_headers": orjson.dumps({"event_id": "9f3c8a1e2b4d4f60a1b2c3d4e5f60718", "sdk": {"name": "x"}}),
        **overrides,
    }


@pytest.mark.parametrize("name", PAYLOADS)
def test_an_item_round_trips(name: str) -> None:
    payload = PAYLOADS[name]
    item = item_from_wire(_over_the_wire(item_to_wire(_item_row(payload))))
    assert item.payload == payload
    assert item == StoredItem(
        id=3,
        request_id=2,
        project=7,
        type="attachment",
        headers={"type": "attachment", "length": len(payload), "filename": "ü.bin"},
        payload=payload,
        event_id="9f3c8a1e2b4d4f60a1b2c3d4e5f60718",
        release="shop@1.2",
        environment="staging",
        received_at=1_700_000_000.123456,
        accepted=True,
        envelope_headers={"event_id": "9f3c8a1e2b4d4f60a1b2c3d4e5f60718", "sdk": {"name": "x"}},
    )


def test_absent_values_round_trip_as_absent() -> None:
    row = _item_row(b"x", accepted=0, event_id=None, release=None, environment=None, envelope_headers=None)
    item = item_from_wire(_over_the_wire(item_to_wire(row)))
    assert (item.accepted, item.event_id, item.release, item.environment) == (False, None, None, None)
    assert item.envelope_headers == {}


@given(
    payload=st.binary(max_size=4096),
    headers=st.dictionaries(st.text(max_size=20), st.text(max_size=40) | st.integers(-(2**53), 2**53), max_size=5),
    release=st.none() | st.text(max_size=40),
)
def test_any_payload_and_headers_round_trip(payload: bytes, headers: dict[str, Any], release: str | None) -> None:
    row = _item_row(payload, headers=orjson.dumps(headers), release=release)
    item = item_from_wire(_over_the_wire(item_to_wire(row)))
    assert (item.payload, item.headers, item.release) == (payload, headers, release)


def test_a_request_round_trips_with_its_raw_headers() -> None:
    raw = [("Content-Type", "application/x-sentry-envelope"), ("X-Sentry-Auth", "Sentry sentry_key=k"), ("x-a", "1")]
    raw.append(("X-A", "2"))  # a repeat, differently cased
    row = {
        "id": 2,
        "project": 7,
        "received_at": 1_700_000_000.5,
        "method": "POST",
        "path": "/api/7/envelope/",
        "query": "sentry_key=k&x=ü",
        "headers": orjson.dumps(raw),
        "status": 413,
        "reason": "body exceeds 10 bytes",
        "endpoint": "envelope",
        "body_size": 11,
        "body_truncated": 1,
        "event_id": None,
        "envelope_headers": None,
    }
    wire = _over_the_wire(request_to_wire(row))
    assert wire["body_truncated"] is True
    request = request_from_wire(wire)
    assert request.raw_headers == raw
    assert request.headers == {
        "content-type": "application/x-sentry-envelope",
        "x-sentry-auth": "Sentry sentry_key=k",
        "x-a": "2",
    }
    assert (request.id, request.project, request.method, request.path, request.query) == (
        2,
        7,
        "POST",
        "/api/7/envelope/",
        "sentry_key=k&x=ü",
    )
    assert (request.status, request.reason, request.endpoint, request.body_size) == (
        413,
        "body exceeds 10 bytes",
        "envelope",
        11,
    )
    assert (request.event_id, request.envelope_headers) == (None, None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "ingest.sqlite3")
    yield store
    store.close()


def test_what_the_store_keeps_comes_back_through_the_wire(store: Store) -> None:
    """The whole path: a record's items into SQLite, its rows encoded, decoded byte for byte."""
    items = [Item(headers={"type": "attachment", "length": len(p)}, payload=p) for p in PAYLOADS.values()]
    event = b'{"event_id":"AB-CD","release":"r1","environment":"prod"}'
    items.append(Item(headers={"type": "event"}, payload=event))
    envelope = Envelope(headers={"event_id": "abcd"}, items=items)
    store.submit(
        RequestRecord(
            id=store.next_request_id(),
            project=7,
            received_at=1.5,
            method="POST",
            path="/api/7/envelope/",
            query="",
            headers=[("content-type", "application/x-sentry-envelope")],
            status=200,
            reason=None,
            endpoint="envelope",
            body=b"(the body)",
            envelope=envelope,
            event_id="abcd",
        )
    )
    assert store.flush(30.0)
    rows = store.items(project=7)
    assert isinstance(rows, list)
    got = [item_from_wire(_over_the_wire(item_to_wire(r))) for r in rows]
    assert [g.payload for g in got] == [i.payload for i in items]
    assert [g.headers for g in got] == [i.headers for i in items]
    assert (got[-1].event_id, got[-1].release, got[-1].environment) == ("abcd", "r1", "prod")
    assert all(g.envelope_headers == {"event_id": "abcd"} for g in got)
    [request] = [request_from_wire(_over_the_wire(request_to_wire(r))) for r in store.requests(project=7)]
    assert (request.status, request.body_size, request.event_id) == (200, len(b"(the body)"), "abcd")
