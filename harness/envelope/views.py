"""Typed views over decoded items: what a check reads instead of poking at raw dicts.

`decode_item` picks the view from the item type. Views are thin: they keep the decoded JSON
(``data``) and expose the few fields checks use by name, so a new SDK field never breaks
decoding. Unknown item types come back as `RawItem` with their bytes untouched.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from harness.envelope import jsonutil
from harness.envelope.codec import Item
from harness.envelope.errors import EnvelopeError

SPAN_V2_CONTENT_TYPE = "application/vnd.sentry.items.span.v2+json"
REPLAY_MAX_UNCOMPRESSED = 100 * 1024 * 1024
"""Relay's limit on a decompressed replay recording (relay-config ``max_replay_uncompressed_size``)."""


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class JsonView:
    """Base for items whose payload is one JSON object."""

    data: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass(frozen=True, slots=True)
class Event(JsonView):
    """An error or message event (also the base of transactions, feedback and CSP reports)."""

    @property
    def event_id(self) -> str | None:
        return _str(self.data.get("event_id"))

    @property
    def release(self) -> str | None:
        return _str(self.data.get("release"))

    @property
    def environment(self) -> str | None:
        return _str(self.data.get("environment"))

    @property
    def message(self) -> str | None:
        """The formatted message, from ``logentry`` or the legacy ``message`` field."""
        entry = self.data.get("logentry")
        if isinstance(entry, dict):
            text = entry.get("formatted") or entry.get("message")
            if isinstance(text, str):
                return text
        msg = self.data.get("message")
        if isinstance(msg, dict):
            return _str(msg.get("formatted") or msg.get("message"))
        return _str(msg)

    @property
    def exceptions(self) -> list[dict[str, Any]]:
        exc = self.data.get("exception")
        values = exc.get("values") if isinstance(exc, dict) else exc
        return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []

    def text(self) -> str:
        """Message and exception types/values joined, for matching a marker."""
        parts = [self.message or ""]
        parts += [f"{e.get('type', '')}: {e.get('value', '')}" for e in self.exceptions]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Transaction(Event):
    @property
    def transaction(self) -> str | None:
        return _str(self.data.get("transaction"))

    @property
    def spans(self) -> list[dict[str, Any]]:
        spans = self.data.get("spans")
        return [s for s in spans if isinstance(s, dict)] if isinstance(spans, list) else []

    @property
    def trace_context(self) -> dict[str, Any]:
        ctx = self.data.get("contexts", {})
        trace = ctx.get("trace") if isinstance(ctx, dict) else None
        return trace if isinstance(trace, dict) else {}


@dataclass(frozen=True, slots=True)
class Feedback(Event):
    pass


@dataclass(frozen=True, slots=True)
class SecurityReport(JsonView):
    """A CSP/Expect-CT report posted to ``/security/`` (kept as sent)."""


@dataclass(frozen=True, slots=True)
class BatchView:
    """Containers of many records in one item: span v2, logs, trace metrics."""

    items: list[dict[str, Any]]
    declared_count: int | None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def count_matches(self) -> bool:
        return self.declared_count is None or self.declared_count == len(self.items)


@dataclass(frozen=True, slots=True)
class SpanContainer(BatchView):
    @property
    def version(self) -> int | None:
        v = self.data.get("version")
        return v if isinstance(v, int) else None


@dataclass(frozen=True, slots=True)
class LogBatch(BatchView):
    pass


@dataclass(frozen=True, slots=True)
class TraceMetricBatch(BatchView):
    pass


@dataclass(frozen=True, slots=True)
class Session(JsonView):
    @property
    def status(self) -> str | None:
        return _str(self.data.get("status"))

    @property
    def release(self) -> str | None:
        attrs = self.data.get("attrs")
        return _str(attrs.get("release")) if isinstance(attrs, dict) else None


@dataclass(frozen=True, slots=True)
class Sessions(JsonView):
    @property
    def aggregates(self) -> list[dict[str, Any]]:
        agg = self.data.get("aggregates")
        return [a for a in agg if isinstance(a, dict)] if isinstance(agg, list) else []


@dataclass(frozen=True, slots=True)
class Discard:
    reason: str
    category: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ClientReport(JsonView):
    @property
    def discarded(self) -> list[Discard]:
        out = []
        for entry in self.data.get("discarded_events") or []:
            if isinstance(entry, dict):
                out.append(
                    Discard(
                        reason=str(entry.get("reason", "")),
                        category=str(entry.get("category", "")),
                        quantity=int(entry.get("quantity", 0) or 0),
                    )
                )
        return out


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str | None
    content_type: str | None
    attachment_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ReplayEvent(JsonView):
    @property
    def replay_id(self) -> str | None:
        return _str(self.data.get("replay_id"))

    @property
    def segment_id(self) -> int | None:
        v = self.data.get("segment_id")
        return v if isinstance(v, int) else None


@dataclass(frozen=True, slots=True)
class ReplayRecording:
    """A replay segment: ``{"segment_id":N}\\n`` then a zlib stream or plain JSON of rrweb events."""

    segment_id: int
    events: list[dict[str, Any]]
    compressed: bool

    def of_type(self, rrweb_type: int) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("type") == rrweb_type]


@dataclass(frozen=True, slots=True)
class CheckIn(JsonView):
    @property
    def monitor_slug(self) -> str | None:
        return _str(self.data.get("monitor_slug"))

    @property
    def status(self) -> str | None:
        return _str(self.data.get("status"))


@dataclass(frozen=True, slots=True)
class Profile(JsonView):
    pass


@dataclass(frozen=True, slots=True)
class ProfileChunk(JsonView):
    pass


@dataclass(frozen=True, slots=True)
class RawItem:
    """An item type this codec does not know; bytes are kept as they came."""

    type: str
    payload: bytes


View = (
    Event
    | SecurityReport
    | SpanContainer
    | LogBatch
    | TraceMetricBatch
    | Session
    | Sessions
    | ClientReport
    | Attachment
    | ReplayEvent
    | ReplayRecording
    | CheckIn
    | Profile
    | ProfileChunk
    | RawItem
)


def _object(item: Item) -> dict[str, Any]:
    value = item.json()
    if not isinstance(value, dict):
        raise EnvelopeError(f"{item.type} payload is not a JSON object", item.payload_offset)
    return value


def _batch(item: Item) -> tuple[list[dict[str, Any]], int | None, dict[str, Any]]:
    data = _object(item)
    records = data.get("items")
    if not isinstance(records, list):
        raise EnvelopeError(f"{item.type} container has no 'items' list", item.payload_offset)
    declared = item.headers.get("item_count")
    return [r for r in records if isinstance(r, dict)], declared if isinstance(declared, int) else None, data


def bounded_inflate(data: bytes, limit: int, *, offset: int = 0) -> bytes:
    """zlib-decompress at most ``limit`` bytes; a bomb raises instead of eating memory."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise EnvelopeError(f"invalid zlib stream: {exc}", offset) from None
    if len(out) > limit:
        raise EnvelopeError(f"decompressed data exceeds {limit} bytes", offset)
    if not inflater.eof:
        raise EnvelopeError("truncated zlib stream", offset + len(data))
    return out


def decode_replay_recording(payload: bytes, *, offset: int = 0) -> ReplayRecording:
    """Decode a replay recording payload (Relay: ``relay-replays/src/recording/mod.rs``)."""
    newline = payload.find(b"\n")
    if newline < 0:
        raise EnvelopeError("replay recording has no segment header line", offset)
    header = jsonutil.loads(payload[:newline], offset=offset, what="replay segment header")
    segment_id = header.get("segment_id") if isinstance(header, dict) else None
    if not isinstance(segment_id, int) or isinstance(segment_id, bool):
        raise EnvelopeError("replay segment header has no integer 'segment_id'", offset)
    body = payload[newline + 1 :]
    body_offset = offset + newline + 1
    compressed = body[:1] == b"\x78"
    if compressed:
        body = bounded_inflate(body, REPLAY_MAX_UNCOMPRESSED, offset=body_offset)
    events = jsonutil.loads(body, offset=body_offset, what="rrweb events")
    if not isinstance(events, list):
        raise EnvelopeError("rrweb recording is not a JSON array", body_offset)
    return ReplayRecording(
        segment_id=segment_id, events=[e for e in events if isinstance(e, dict)], compressed=compressed
    )


def decode_item(item: Item) -> View:
    """Decode an item into its typed view; raises `EnvelopeError` when its payload is malformed."""
    kind = item.type
    if kind == "event":
        return Event(_object(item))
    if kind == "transaction":
        return Transaction(_object(item))
    if kind in {"feedback", "user_report"}:
        return Feedback(_object(item))
    if kind == "security":
        return SecurityReport(_object(item))
    if kind == "span" and (item.content_type == SPAN_V2_CONTENT_TYPE or "item_count" in item.headers):
        return SpanContainer(*_batch(item))
    if kind == "span":  # a v1 standalone span is one JSON object
        return SpanContainer(items=[_object(item)], declared_count=None, data={})
    if kind == "log":
        return LogBatch(*_batch(item))
    if kind == "trace_metric":
        return TraceMetricBatch(*_batch(item))
    if kind == "session":
        return Session(_object(item))
    if kind == "sessions":
        return Sessions(_object(item))
    if kind == "client_report":
        return ClientReport(_object(item))
    if kind == "attachment":
        return Attachment(
            filename=_str(item.headers.get("filename")),
            content_type=item.content_type,
            attachment_type=str(item.headers.get("attachment_type") or "event.attachment"),
            data=item.payload,
        )
    if kind == "replay_event":
        return ReplayEvent(_object(item))
    if kind == "replay_recording":
        return decode_replay_recording(item.payload, offset=item.payload_offset)
    if kind == "check_in":
        return CheckIn(_object(item))
    if kind == "profile":
        return Profile(_object(item))
    if kind == "profile_chunk":
        return ProfileChunk(_object(item))
    return RawItem(type=kind, payload=item.payload)
