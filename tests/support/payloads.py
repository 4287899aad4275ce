"""Builders for envelopes and request bodies shared by the ingest tests."""

from __future__ import annotations

import gzip
import uuid
import zlib
from typing import Any

import orjson

from harness.envelope import serialize_parts


def error_event(marker: str = "boom", **extra: Any) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4().hex,
        "level": "error",
        "platform": "python",
        "release": "gate-test@1.0.0",
        "environment": "test",
        "exception": {"values": [{"type": "ValueError", "value": marker}]},
        **extra,
    }


def envelope(*items: tuple[dict[str, Any], bytes], dsn: str | None = None, event_id: str | None = None) -> bytes:
    headers: dict[str, Any] = {"event_id": event_id or uuid.uuid4().hex}
    if dsn:
        headers["dsn"] = dsn
    return serialize_parts(headers, items)


def event_envelope(marker: str = "boom", *, dsn: str | None = None, **extra: Any) -> bytes:
    event = error_event(marker, **extra)
    return envelope(({"type": "event"}, orjson.dumps(event)), dsn=dsn, event_id=event["event_id"])


def gzip_bomb(expanded_gib: int = 10) -> bytes:
    """A single-member gzip stream that would expand to ``expanded_gib`` GiB of zeros.

    Built in well under a second by repeating one full-flushed deflate segment (a full flush resets
    the compressor, so every 16 MiB segment compresses to identical bytes). The trailer's CRC is not
    that of the whole: a decoder that got that far has already failed the test.
    """
    chunk = bytes(16 * 1024 * 1024)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    segment = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    return first + segment * (expanded_gib * 64 - 2) + comp.flush()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, 6)
