"""The wire format of what the ingest stores: one codec for items and requests, both directions.

The control API encodes store rows with `item_to_wire` / `request_to_wire` (JSON objects; an item's
payload travels as base64 in ``payload_b64``, so any bytes survive JSON), and `IngestClient` decodes
them with `item_from_wire` / `request_from_wire` into `StoredItem` / `StoredRequest`. Kept in one
module so a field added on one side is added on the other; ``tests/ingest/test_wire.py`` round-trips
both. Pure functions.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson

from harness.envelope import Item, View, decode_item
from harness.envelope.jsonutil import loads as json_loads

__all__ = [
    "StoredItem",
    "StoredRequest",
    "item_from_wire",
    "item_to_wire",
    "request_from_wire",
    "request_to_wire",
]

Row = sqlite3.Row | Mapping[str, Any]
"""A store row (or a mapping with the same columns)."""


@dataclass(frozen=True)
class StoredItem:
    id: int
    request_id: int
    project: int
    type: str
    headers: dict[str, Any]
    payload: bytes
    event_id: str | None
    release: str | None
    environment: str | None
    received_at: float
    accepted: bool = True
    envelope_headers: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return json_loads(self.payload, what=f"{self.type} payload")

    @cached_property
    def view(self) -> View:
        return decode_item(Item(headers=self.headers, payload=self.payload))

    def __repr__(self) -> str:  # short: test failure messages list many of these
        return (
            f"<StoredItem #{self.id} {self.type} req={self.request_id} event_id={self.event_id}"
            f" release={self.release} env={self.environment}>"
        )


@dataclass(frozen=True)
class StoredRequest:
    id: int
    project: int | None
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int
    reason: str | None
    endpoint: str
    received_at: float
    body_size: int
    event_id: str | None
    envelope_headers: dict[str, Any] | None
    raw_headers: list[tuple[str, str]] = field(default_factory=list)


# ---- items --------------------------------------------------------------------------------------
def item_to_wire(row: Row) -> dict[str, Any]:
    """An ``items`` row joined with its request's ``envelope_headers``, as the control API sends it."""
    return {
        "id": row["id"],
        "request_id": row["request_id"],
        "project": row["project"],
        "idx": row["idx"],
        "accepted": bool(row["accepted"]),
        "type": row["type"],
        "headers": orjson.loads(row["headers"]),
        "payload_b64": base64.b64encode(row["payload"]).decode("ascii"),
        "event_id": row["event_id"],
        "release": row["release"],
        "environment": row["environment"],
        "received_at": row["received_at"],
        "envelope_headers": orjson.loads(row["envelope_headers"]) if row["envelope_headers"] else {},
    }


def item_from_wire(data: Mapping[str, Any]) -> StoredItem:
    return StoredItem(
        id=data["id"],
        request_id=data["request_id"],
        project=data["project"],
        type=data["type"],
        headers=data["headers"],
        payload=base64.b64decode(data["payload_b64"]),
        event_id=data.get("event_id"),
        release=data.get("release"),
        environment=data.get("environment"),
        received_at=data["received_at"],
        accepted=data.get("accepted", True),
        envelope_headers=data.get("envelope_headers") or {},
    )


# ---- requests -----------------------------------------------------------------------------------
def request_to_wire(row: Row) -> dict[str, Any]:
    """A ``requests`` row without its body (fetched on its own), as the control API sends it."""
    return {
        "id": row["id"],
        "project": row["project"],
        "received_at": row["received_at"],
        "method": row["method"],
        "path": row["path"],
        "query": row["query"],
        "headers": orjson.loads(row["headers"]),
        "status": row["status"],
        "reason": row["reason"],
        "endpoint": row["endpoint"],
        "body_size": row["body_size"],
        "body_truncated": bool(row["body_truncated"]),
        "event_id": row["event_id"],
        "envelope_headers": orjson.loads(row["envelope_headers"]) if row["envelope_headers"] else None,
    }


def request_from_wire(data: Mapping[str, Any]) -> StoredRequest:
    """Header names are lower-cased in ``headers``; ``raw_headers`` keeps them as sent, in order."""
    raw = [(str(k), str(v)) for k, v in data["headers"]]
    return StoredRequest(
        id=data["id"],
        project=data["project"],
        method=data["method"],
        path=data["path"],
        query=data["query"],
        headers={k.lower(): v for k, v in raw},
        status=data["status"],
        reason=data["reason"],
        endpoint=data["endpoint"],
        received_at=data["received_at"],
        body_size=data["body_size"],
        event_id=data["event_id"],
        envelope_headers=data.get("envelope_headers"),
        raw_headers=raw,
    )
