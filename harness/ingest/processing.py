"""The request path's decisions as one pure function: bytes and headers in, a verdict out.

Kept free of I/O so every status in the table (docs/ingest.md) is unit-testable, and so the hot
path does only this: auth, a bounded decode, framing, per-item limits. Decoding payloads for
queries happens later in the store's writer.
"""

from __future__ import annotations

import base64
import binascii
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from harness.envelope import Envelope, EnvelopeError, Item, TooManyItems, parse_envelope
from harness.ingest.auth import Auth, AuthError, authorize, envelope_auth, request_auth
from harness.ingest.body import BodyDecodeError, BodyTooLarge, decode_body
from harness.ingest.limits import Limits


@dataclass(slots=True)
class Outcome:
    status: int
    reason: str | None
    envelope: Envelope | None = None
    event_id: str | None = None
    auth: Auth | None = None


def _json_object(data: bytes) -> dict[str, object] | None:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _legacy_store_body(body: bytes) -> dict[str, object] | None:
    """Legacy ``/store/`` bodies: JSON, or base64 of a zlib stream of JSON (raven clients)."""
    stripped = body.lstrip()
    if stripped[:1] == b"{":
        return _json_object(stripped)
    try:
        raw = base64.b64decode(stripped, validate=False)
    except (binascii.Error, ValueError):
        return None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, 20 * 1024 * 1024 + 1)
    except zlib.error:
        return None
    if len(data) > 20 * 1024 * 1024:
        return None
    return _json_object(data)


def _check_items(envelope: Envelope, limits: Limits) -> tuple[int, str] | None:
    """Relay's per-item sizes and per-envelope counts, item by item as Relay checks them."""
    counts: dict[str, int] = {}
    for item in envelope.items:
        limit = limits.for_item(item.type)
        if limit is not None and len(item.payload) > limit:
            return 413, f"{item.type} item of {len(item.payload)} bytes exceeds {limit}"
        group = limits.count_group(item.type, item.content_type)
        if group is not None:
            name, most, limit_name = group
            counts[name] = counts.get(name, 0) + 1
            if counts[name] > most:
                reason = f"more than {most} {name} item(s) per envelope ({limit_name})"
                return 413, f"envelope exceeded size limits for type '{item.type}': {reason}"
    return None


def process(
    *,
    endpoint: str,
    project: int,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    body: bytes,
    keys_by_project: Mapping[int, frozenset[str]],
    limits: Limits,
) -> Outcome:
    """Decide a request's answer the way Relay would (differences listed in docs/ingest.md)."""
    try:
        auth = request_auth(headers, query)
        if auth is not None:
            authorize(auth, project, keys_by_project)
    except AuthError as exc:
        return Outcome(exc.status, exc.reason)

    limit = limits.max_envelope_size if endpoint == "envelope" else limits.max_api_payload_size
    try:
        decoded = decode_body(
            body, headers.get("content-encoding"), limit=limit, spool_threshold=limits.spool_threshold
        )
    except BodyTooLarge as exc:
        return Outcome(413, str(exc), auth=auth)
    except BodyDecodeError as exc:
        return Outcome(400, str(exc), auth=auth)
    if not decoded.strip():
        return Outcome(400, "empty body", auth=auth)

    if endpoint == "envelope":
        too_many: str | None = None
        try:
            envelope = parse_envelope(decoded, max_items=limits.max_items_per_envelope)
        except TooManyItems as exc:
            # Refused whole, and recorded without its items: framing stopped at the cap, so a
            # hostile item count costs no more than the cap (the request row keeps the reason).
            # The reason names Relay's own count when the items before the cap already broke it.
            first = _check_items(Envelope(headers=exc.headers, items=exc.items), limits)
            too_many = first[1] if first else f"{exc.reason} (max_items_per_envelope, at byte {exc.offset})"
            envelope = Envelope(headers=exc.headers)
        except EnvelopeError as exc:
            return Outcome(400, f"invalid envelope: {exc}", auth=auth)
        if auth is None:
            try:
                auth = envelope_auth(envelope.dsn)
                authorize(auth, project, keys_by_project)
            except AuthError as exc:
                return Outcome(exc.status, exc.reason, envelope=envelope)
        if too_many is not None:
            return Outcome(413, too_many, envelope=envelope, auth=auth)
        too_big = _check_items(envelope, limits)
        if too_big is not None:
            return Outcome(too_big[0], too_big[1], envelope=envelope, auth=auth)
        return Outcome(200, None, envelope=envelope, event_id=envelope.event_id, auth=auth)

    if auth is None:
        return Outcome(401, "missing authorization information")
    if endpoint == "store":
        event = _legacy_store_body(decoded)
        if event is None:
            return Outcome(400, "store body is not a JSON object (nor base64 of zlib JSON)", auth=auth)
        if len(decoded) > limits.max_event_size:
            return Outcome(413, f"event of {len(decoded)} bytes exceeds {limits.max_event_size}", auth=auth)
        event_id = str(event.get("event_id") or uuid.uuid4().hex)
        payload = decoded if decoded.lstrip()[:1] == b"{" else orjson.dumps(event)
        item = Item(headers={"type": "event", "length": len(payload)}, payload=payload)
        return Outcome(200, None, Envelope({"event_id": event_id}, [item]), event_id, auth)

    # security (CSP and other browser reports): kept as sent, one item per request
    try:
        orjson.loads(decoded)
    except orjson.JSONDecodeError:
        return Outcome(400, "security report is not JSON", auth=auth)
    event_id = uuid.uuid4().hex
    item = Item(headers={"type": "security", "length": len(decoded)}, payload=decoded)
    return Outcome(200, None, Envelope({"event_id": event_id}, [item]), event_id, auth)
