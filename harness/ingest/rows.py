"""The store's layout: its SQLite schema, the record the request path queues, and the rows it becomes.

Pure functions, run by the store's writer thread off the request path: a `RequestRecord` becomes one
request row (a refused body kept only in part) and one row per item, each with the event id,
release and environment it is queried by. Every payload's bytes are kept as they came.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from harness.envelope import Envelope, Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    name TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    project INTEGER,
    received_at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    headers BLOB NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT,
    endpoint TEXT NOT NULL,
    body BLOB,
    body_size INTEGER NOT NULL,
    body_truncated INTEGER NOT NULL DEFAULT 0,
    event_id TEXT,
    envelope_headers BLOB
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL,
    project INTEGER,
    idx INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    type TEXT NOT NULL,
    headers BLOB NOT NULL,
    payload BLOB NOT NULL,
    event_id TEXT,
    release TEXT,
    environment TEXT,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_project_type ON items (project, type, id);
CREATE INDEX IF NOT EXISTS items_by_event_id ON items (event_id);
CREATE INDEX IF NOT EXISTS requests_by_project ON requests (project, id);
"""

INSERT_REQUEST = "INSERT INTO requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
"""Takes a `request_row`."""
INSERT_ITEM = (
    "INSERT INTO items (request_id, project, idx, accepted, type, headers, payload, event_id,"
    " release, environment, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
"""Takes one of `item_rows`."""

REFUSED_BODY_KEEP = 64 * 1024
"""Bytes of a refused request's body kept (enough to see what it was; a bomb is not kept whole)."""

_MAX_ITEM_META_BYTES = 4 * 1024 * 1024


@dataclass(slots=True)
class RequestRecord:
    """What the request path hands to the writer. ``envelope`` is set when the body parsed."""

    id: int
    project: int | None
    received_at: float
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    status: int
    reason: str | None
    endpoint: str
    body: bytes
    envelope: Envelope | None = None
    event_id: str | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


def json_blob(value: Any) -> bytes:
    """orjson's output copied into a bytes object of its own size.

    orjson (3.12 on) returns bytes whose allocation is rounded up (at least 4 KiB) and never
    shrunk: a 30-byte item header kept as it came cost 4 KiB, which made one envelope of 100,000
    empty items cost 400 MB while its rows were built (issue 13).
    """
    return bytes(memoryview(orjson.dumps(value)))


def normalize_event_id(event_id: str) -> str:
    """Event ids compare without hyphens and case (sentry-cli sends hyphenated UUIDs, SDKs plain hex)."""
    return event_id.replace("-", "").lower()


def item_meta(item: Item, envelope: Envelope) -> tuple[str | None, str | None, str | None]:
    """Event id, release and environment of an item, for querying; never raises."""
    event_id = envelope.event_id
    release = envelope.trace.get("release")
    environment = envelope.trace.get("environment")
    kind = item.type
    if kind in ("event", "transaction", "feedback", "replay_event", "check_in", "session", "security"):
        if len(item.payload) <= _MAX_ITEM_META_BYTES:
            try:
                data = orjson.loads(item.payload)
            except orjson.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                if kind == "session":
                    attrs = data.get("attrs")
                    data = attrs if isinstance(attrs, dict) else {}
                    data = {"release": data.get("release"), "environment": data.get("environment")}
                event_id = data.get("event_id") or data.get("replay_id") or data.get("check_in_id") or event_id
                release = data.get("release") or release
                environment = data.get("environment") or environment
    elif kind == "sessions":
        try:
            data = orjson.loads(item.payload)
            attrs = data.get("attrs", {}) if isinstance(data, dict) else {}
            release = attrs.get("release") or release
            environment = attrs.get("environment") or environment
        except (orjson.JSONDecodeError, AttributeError):
            pass

    def text(v: Any) -> str | None:
        return str(v) if isinstance(v, str | int) and not isinstance(v, bool) else None

    eid = text(event_id)
    return normalize_event_id(eid) if eid else None, text(release), text(environment)


def request_row(r: RequestRecord) -> tuple[Any, ...]:
    """The ``requests`` row of a record, in `INSERT_REQUEST`'s column order."""
    body = r.body if r.accepted else r.body[:REFUSED_BODY_KEEP]
    return (
        r.id,
        r.project,
        r.received_at,
        r.method,
        r.path,
        r.query,
        json_blob(r.headers),
        r.status,
        r.reason,
        r.endpoint,
        body,
        len(r.body),
        int(len(body) < len(r.body)),
        r.event_id,
        json_blob(r.envelope.headers) if r.envelope is not None else None,
    )


def item_rows(records: Sequence[RequestRecord]) -> Iterator[tuple[Any, ...]]:
    """The ``items`` rows of records, one at a time (never built as a list), in `INSERT_ITEM`'s order."""
    for r in records:
        if r.envelope is None:
            continue
        accepted = int(r.accepted)
        for idx, item in enumerate(r.envelope.items):
            event_id, release, environment = item_meta(item, r.envelope)
            yield (
                r.id,
                r.project,
                idx,
                accepted,
                item.type,
                json_blob(item.headers),
                item.payload,
                event_id,
                release,
                environment,
                r.received_at,
            )
