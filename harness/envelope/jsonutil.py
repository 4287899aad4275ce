"""JSON decoding shared by the codec: fast path with orjson, exact fallback for what orjson refuses.

SDKs may send lone UTF-16 surrogates as ``\\ud83d`` escapes (a truncated emoji); orjson rejects
them, the standard library accepts them, and Relay keeps them. We accept what Relay accepts.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from harness.envelope.errors import EnvelopeError


def loads(data: bytes | memoryview, *, offset: int = 0, what: str = "JSON") -> Any:
    """Parse JSON or raise `EnvelopeError` at ``offset`` (the start of ``data`` in its envelope)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as fast_error:
        try:
            return json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            pos = getattr(fast_error, "pos", 0) or 0
            raise EnvelopeError(f"invalid {what}: {fast_error}", offset + min(pos, len(data))) from None


def dumps(value: Any) -> bytes:
    """Compact JSON; non-string keys and other odd values fall back to the standard library.

    The result is copied into bytes of its own size: orjson (3.12 on) rounds its output's
    allocation up to at least 4 KiB and never shrinks it, so serialising 100,000 item headers held
    400 MB until they were joined.
    """
    try:
        return bytes(memoryview(orjson.dumps(value)))
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
