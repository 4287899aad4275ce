"""Envelope framing: parse and serialize Sentry envelopes byte-exactly.

Format (https://develop.sentry.dev/sdk/data-model/envelopes/): a JSON header line, then items,
each a JSON header line and a payload. With ``length`` the payload is exactly that many bytes and
may contain newlines; without it the payload runs to the next ``\\n`` or the end. A trailing
newline after the last item is optional.

Why not `sentry_sdk.envelope.Envelope.deserialize`: it reports malformed input with whatever
exception happens to escape (IndexError, KeyError, JSON errors) and no position, and it decodes
every payload eagerly. The ingest needs one error type with an offset, and framing without
decoding on its hot path. We keep its vocabulary (headers + items with typed payloads) and test
that its serializer and ours agree byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.envelope import jsonutil
from harness.envelope.errors import EnvelopeError, TooManyItems

NEWLINE = 0x0A


@dataclass(slots=True)
class Item:
    """One envelope item: its header and its payload bytes, never decoded implicitly."""

    headers: dict[str, Any]
    payload: bytes
    offset: int = 0
    """Where the item's header line starts in the parsed envelope (0 for items built in code)."""
    payload_offset: int = 0
    """Where its payload starts; decoding errors inside the payload are reported relative to the envelope."""

    @property
    def type(self) -> str:
        return str(self.headers.get("type", ""))

    @property
    def content_type(self) -> str | None:
        ct = self.headers.get("content_type")
        return str(ct) if ct is not None else None

    def json(self) -> Any:
        """The payload parsed as JSON; raises `EnvelopeError` with an offset inside the envelope."""
        return jsonutil.loads(self.payload, offset=self.payload_offset, what=f"{self.type} payload")


@dataclass(slots=True)
class Envelope:
    headers: dict[str, Any] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)

    @property
    def event_id(self) -> str | None:
        value = self.headers.get("event_id")
        return str(value) if value is not None else None

    @property
    def dsn(self) -> str | None:
        value = self.headers.get("dsn")
        return str(value) if isinstance(value, str) else None

    @property
    def trace(self) -> Mapping[str, Any]:
        """The dynamic sampling context (``trace`` header): trace_id, sample_rate, sampled, release…"""
        value = self.headers.get("trace")
        return value if isinstance(value, dict) else {}

    def item_types(self) -> list[str]:
        return [item.type for item in self.items]


def _line_end(data: bytes, start: int) -> int:
    end = data.find(b"\n", start)
    return len(data) if end < 0 else end


def _parse_header_line(data: bytes, start: int, end: int, what: str) -> dict[str, Any]:
    line = data[start:end]
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line.strip():
        raise EnvelopeError(f"empty {what}", start)
    value = jsonutil.loads(line, offset=start, what=what)
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} is not a JSON object", start)
    return value


def parse_envelope(data: bytes, *, max_items: int | None = None) -> Envelope:
    """Split an envelope into header and items without decoding payloads.

    Raises `EnvelopeError` (with the offset of the first bad byte) for anything Relay would refuse:
    no header, a header that is not a JSON object, an item without a string ``type``, a ``length``
    that is not a non-negative integer or runs past the end, or payload bytes where a newline must be.

    With ``max_items``, framing stops at the first item past that count and raises `TooManyItems`
    (a subclass of `EnvelopeError`): the items of a hostile envelope are never all built, so what
    parsing allocates is bounded by the cap, not by the envelope.
    """
    size = len(data)
    if size == 0:
        raise EnvelopeError("empty envelope", 0)
    end = _line_end(data, 0)
    headers = _parse_header_line(data, 0, end, "envelope header")
    envelope = Envelope(headers=headers)
    pos = end + 1
    while pos < size:
        # Tolerate blank lines between and after items, as Relay does for trailing newlines.
        if data[pos] == NEWLINE:
            pos += 1
            continue
        item_start = pos
        if max_items is not None and len(envelope.items) >= max_items:
            raise TooManyItems(max_items, item_start, headers, envelope.items)
        end = _line_end(data, pos)
        item_headers = _parse_header_line(data, pos, end, "item header")
        item_type = item_headers.get("type")
        if not isinstance(item_type, str) or not item_type:
            raise EnvelopeError("item header has no string 'type'", item_start)
        payload_start = end + 1
        length = item_headers.get("length")
        if length is None:
            payload_end = size if payload_start > size else _line_end(data, payload_start)
            payload = data[payload_start:payload_end]
            pos = payload_end + 1
        else:
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise EnvelopeError(f"item length {length!r} is not a non-negative integer", item_start)
            payload_end = payload_start + length
            if payload_end > size:
                raise EnvelopeError(
                    f"item length {length} runs past the end ({size - min(payload_start, size)} bytes left)",
                    min(payload_start, size),
                )
            payload = data[payload_start:payload_end]
            if payload_end < size and data[payload_end] != NEWLINE:
                raise EnvelopeError("payload is longer than its declared length", payload_end)
            pos = payload_end + 1
        envelope.items.append(
            Item(headers=item_headers, payload=payload, offset=item_start, payload_offset=min(payload_start, size))
        )
    return envelope


def serialize_envelope(envelope: Envelope) -> bytes:
    """Serialize with an explicit ``length`` on every item, so binary payloads round-trip."""
    return serialize_parts(envelope.headers, ((item.headers, item.payload) for item in envelope.items))


def serialize_parts(headers: Mapping[str, Any], items: Iterable[tuple[Mapping[str, Any], bytes]]) -> bytes:
    out = [jsonutil.dumps(dict(headers)), b"\n"]
    for item_headers, payload in items:
        h = dict(item_headers)
        h["length"] = len(payload)
        out += [jsonutil.dumps(h), b"\n", payload, b"\n"]
    return b"".join(out)


def make_item(item_type: str, payload: bytes | Any, **headers: Any) -> Item:
    """Build an item from bytes, or from a JSON-serialisable value."""
    raw = payload if isinstance(payload, bytes) else jsonutil.dumps(payload)
    return Item(headers={"type": item_type, **headers, "length": len(raw)}, payload=raw)
