import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sentry_sdk.envelope import Envelope as SdkEnvelope
from sentry_sdk.envelope import Item as SdkItem
from sentry_sdk.envelope import PayloadRef

from harness.envelope import EnvelopeError, make_item, parse_envelope, serialize_envelope, serialize_parts
from harness.envelope.codec import Envelope, Item


def test_items_with_and_without_length_and_binary_payloads() -> None:
    binary = bytes(range(256)) + b"\n\n"
    raw = (
        b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"http://k@h/1"}\n'
        b'{"type":"attachment","length":' + str(len(binary)).encode() + b',"filename":"b.bin"}\n' + binary + b"\n"
        b'{"type":"event"}\n{"message":"hi"}\n'
        b'{"type":"client_report"}\n{"discarded_events":[]}'
    )
    env = parse_envelope(raw)
    assert env.event_id == "9ec79c33ec9942ab8353589fcb2e04dc"
    assert env.dsn == "http://k@h/1"
    assert env.item_types() == ["attachment", "event", "client_report"]
    assert env.items[0].payload == binary
    assert env.items[1].json() == {"message": "hi"}
    assert env.items[2].payload == b'{"discarded_events":[]}'


def test_trailing_newlines_and_header_only_envelope() -> None:
    assert parse_envelope(b"{}").items == []
    assert parse_envelope(b"{}\n").items == []
    env = parse_envelope(b'{}\n{"type":"event","length":2}\n{}\n\n')
    assert [i.payload for i in env.items] == [b"{}"]


def test_empty_payload_without_length_at_end() -> None:
    env = parse_envelope(b'{}\n{"type":"attachment"}\n')
    assert env.items[0].payload == b""


@pytest.mark.parametrize(
    ("raw", "reason", "offset"),
    [
        (b"", "empty envelope", 0),
        (b"not json\n", "invalid envelope header", 0),
        (b"[1,2]\n", "not a JSON object", 0),
        (b'{}\n{"length":2}\n{}', "no string 'type'", 3),
        (b'{}\n{"type":"event","length":99}\n{}', "runs past the end", 32),
        (b'{}\n{"type":"event","length":-1}\n{}', "non-negative", 3),
        (b'{}\n{"type":"event","length":"2"}\n{}', "non-negative", 3),
        (b'{}\n{"type":"event","length":1}\n{}', "longer than its declared length", 32),
        (b'{}\n{"type":"event"\n{}', "invalid item header", 18),
    ],
)
def test_malformed_input_raises_codec_error_with_offset(raw: bytes, reason: str, offset: int) -> None:
    with pytest.raises(EnvelopeError) as info:
        parse_envelope(raw)
    assert reason in str(info.value)
    assert info.value.offset == offset
    assert 0 <= info.value.offset <= len(raw)


def test_item_json_error_points_inside_the_envelope() -> None:
    env = parse_envelope(b'{}\n{"type":"event","length":5}\n{"a":\n')
    with pytest.raises(EnvelopeError) as info:
        env.items[0].json()
    assert 31 <= info.value.offset <= 36  # inside the payload, which starts at byte 31


def test_lone_surrogate_escapes_are_accepted_like_relay() -> None:
    env = parse_envelope(b'{}\n{"type":"event"}\n{"message":"\\ud83d"}\n')
    assert env.items[0].json()["message"] == "\ud83d"


def test_serialization_matches_sentry_sdk_byte_for_byte() -> None:
    payload = orjson.dumps({"event_id": "a" * 32, "message": "hi"})
    ours = serialize_parts({"event_id": "a" * 32}, [({"type": "event"}, payload)])
    sdk = SdkEnvelope(headers={"event_id": "a" * 32})
    sdk.add_item(SdkItem(payload=PayloadRef(bytes=payload), type="event"))
    theirs = sdk.serialize()
    assert parse_envelope(theirs).items[0].payload == payload
    sdk_item_header = orjson.loads(theirs.split(b"\n")[1])
    sdk_item_header.pop("content_type", None)  # the SDK adds one; the framing is the same
    assert orjson.loads(ours.split(b"\n")[1]) == sdk_item_header
    # and the SDK parses what we write
    back = SdkEnvelope.deserialize(ours)
    assert back.items[0].payload.get_bytes() == payload


def test_make_item_from_value_and_bytes() -> None:
    assert make_item("event", {"a": 1}).payload == b'{"a":1}'
    assert make_item("attachment", b"\x00", filename="x").headers == {
        "type": "attachment",
        "filename": "x",
        "length": 1,
    }


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
_items = st.lists(
    st.tuples(
        st.sampled_from(["event", "attachment", "session", "replay_recording", "span", "unknown_kind"]),
        st.binary(max_size=64),
        st.dictionaries(st.sampled_from(["filename", "content_type", "item_count"]), _json_values, max_size=2),
    ),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(headers=st.dictionaries(st.text(max_size=10), _json_values, max_size=4), items=_items)
def test_roundtrip_property(headers: dict[str, object], items: list[tuple[str, bytes, dict[str, object]]]) -> None:
    env = Envelope(headers=dict(headers), items=[Item({**extra, "type": t}, p) for t, p, extra in items])
    data = serialize_envelope(env)
    back = parse_envelope(data)
    assert back.headers == env.headers
    assert [(i.type, i.payload) for i in back.items] == [(t, p) for t, p, _ in items]
    assert serialize_envelope(back) == data


_valid = serialize_parts(
    {"event_id": "a" * 32, "dsn": "http://k@127.0.0.1/1"},
    [({"type": "event"}, b'{"message":"x"}'), ({"type": "attachment"}, b"\x00\x01\n\xff")],
)


@settings(max_examples=500, deadline=None)
@given(
    data=st.data(),
    kind=st.sampled_from(["flip", "insert", "delete", "truncate"]),
)
def test_mutated_input_parses_or_raises_codec_error(data: st.DataObject, kind: str) -> None:
    raw = bytearray(_valid)
    pos = data.draw(st.integers(0, len(raw) - 1))
    if kind == "flip":
        raw[pos] = data.draw(st.integers(0, 255))
    elif kind == "insert":
        raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    elif kind == "delete":
        del raw[pos : pos + data.draw(st.integers(1, 8))]
    else:
        del raw[pos:]
    blob = bytes(raw)
    try:
        env = parse_envelope(blob)
    except EnvelopeError as exc:
        assert 0 <= exc.offset <= len(blob)
        return
    for item in env.items:  # decoding the parts must also only ever raise the codec's error
        try:
            item.json()
        except EnvelopeError as exc:
            assert 0 <= exc.offset <= len(blob)


@settings(max_examples=300, deadline=None)
@given(blob=st.binary(max_size=200))
def test_arbitrary_bytes_never_escape_the_codec_error(blob: bytes) -> None:
    try:
        parse_envelope(blob)
    except EnvelopeError as exc:
        assert 0 <= exc.offset <= len(blob)
