import zlib

import orjson
import pytest

from harness.envelope import (
    Attachment,
    CheckIn,
    ClientReport,
    EnvelopeError,
    Event,
    Feedback,
    LogBatch,
    Profile,
    ProfileChunk,
    RawItem,
    ReplayEvent,
    ReplayRecording,
    Session,
    Sessions,
    SpanContainer,
    TraceMetricBatch,
    Transaction,
    decode_item,
    make_item,
)
from harness.envelope.views import SPAN_V2_CONTENT_TYPE, bounded_inflate

RRWEB = [{"type": 4, "data": {"href": "http://x/"}, "timestamp": 1}, {"type": 2, "data": {"node": {}}, "timestamp": 2}]


@pytest.mark.parametrize(
    ("item_type", "payload", "view"),
    [
        ("event", {"event_id": "e", "message": "m", "release": "r", "environment": "p"}, Event),
        (
            "transaction",
            {"transaction": "/a", "spans": [{"op": "db"}], "contexts": {"trace": {"op": "http"}}},
            Transaction,
        ),
        ("feedback", {"contexts": {"feedback": {"message": "hi"}}}, Feedback),
        ("session", {"sid": "s", "status": "ok", "attrs": {"release": "r"}}, Session),
        ("sessions", {"aggregates": [{"started": "t", "exited": 1}], "attrs": {"release": "r"}}, Sessions),
        (
            "client_report",
            {"discarded_events": [{"reason": "before_send", "category": "error", "quantity": 2}]},
            ClientReport,
        ),
        ("replay_event", {"replay_id": "abc", "segment_id": 0}, ReplayEvent),
        ("check_in", {"check_in_id": "c", "monitor_slug": "nightly", "status": "ok"}, CheckIn),
        ("profile", {"version": "1", "profile": {"samples": []}}, Profile),
        ("profile_chunk", {"version": "2", "profiler_id": "p"}, ProfileChunk),
        ("log", {"items": [{"body": "hello", "level": "info"}]}, LogBatch),
        ("trace_metric", {"items": [{"name": "m", "value": 1}]}, TraceMetricBatch),
    ],
)
def test_each_item_type_has_its_view(item_type: str, payload: dict[str, object], view: type) -> None:
    decoded = decode_item(make_item(item_type, payload))
    assert isinstance(decoded, view)


def test_event_fields() -> None:
    ev = decode_item(
        make_item(
            "event",
            {
                "logentry": {"formatted": "hi"},
                "exception": {"values": [{"type": "ValueError", "value": "bad"}]},
                "release": "r1",
            },
        )
    )
    assert isinstance(ev, Event)
    assert ev.message == "hi"
    assert ev.release == "r1"
    assert "ValueError: bad" in ev.text()


def test_span_v2_container_counts_items() -> None:
    payload = {"version": 2, "items": [{"span_id": "a"}, {"span_id": "b"}]}
    item = make_item("span", payload, content_type=SPAN_V2_CONTENT_TYPE, item_count=2)
    view = decode_item(item)
    assert isinstance(view, SpanContainer)
    assert view.version == 2
    assert [s["span_id"] for s in view.items] == ["a", "b"]
    assert view.count_matches
    bad = decode_item(make_item("span", payload, content_type=SPAN_V2_CONTENT_TYPE, item_count=3))
    assert isinstance(bad, SpanContainer)
    assert not bad.count_matches


def test_client_report_discards() -> None:
    view = decode_item(
        make_item(
            "client_report", {"discarded_events": [{"reason": "sample_rate", "category": "transaction", "quantity": 7}]}
        )
    )
    assert isinstance(view, ClientReport)
    assert view.discarded[0].quantity == 7


def test_attachment_keeps_bytes() -> None:
    view = decode_item(make_item("attachment", b"\x00\xff", filename="a.bin", content_type="application/x"))
    assert view == Attachment("a.bin", "application/x", "event.attachment", b"\x00\xff")


@pytest.mark.parametrize("compressed", [True, False])
def test_replay_recording_zlib_and_plain(compressed: bool) -> None:
    body = orjson.dumps(RRWEB)
    payload = b'{"segment_id":3}\n' + (zlib.compress(body) if compressed else body)
    view = decode_item(make_item("replay_recording", payload))
    assert view == ReplayRecording(segment_id=3, events=RRWEB, compressed=compressed)
    assert isinstance(view, ReplayRecording)
    assert view.of_type(2) == [RRWEB[1]]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"segment_id":0}', "no segment header line"),
        (b'{"segment":0}\n[]', "no integer 'segment_id'"),
        (b'{"segment_id":0}\n\x78\x9cgarbage', "invalid zlib"),
        (b'{"segment_id":0}\n{"a":1}', "not a JSON array"),
        (b'{"segment_id":0}\n' + zlib.compress(b"[1,2")[:-4], "truncated zlib"),
    ],
)
def test_replay_recording_errors(payload: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        decode_item(make_item("replay_recording", payload))


def test_bounded_inflate_refuses_a_bomb() -> None:
    bomb = zlib.compress(bytes(50 * 1024 * 1024))
    with pytest.raises(EnvelopeError, match="exceeds"):
        bounded_inflate(bomb, 1024 * 1024)


def test_unknown_types_stay_raw() -> None:
    assert decode_item(make_item("statsd", b"a:1|c")) == RawItem("statsd", b"a:1|c")


def test_non_object_payload_is_a_codec_error() -> None:
    with pytest.raises(EnvelopeError, match="not a JSON object"):
        decode_item(make_item("event", b"[1]"))
