"""The request path's decision function, without a server: statuses as in docs/ingest.md."""

import gzip
from typing import Any

import pytest

from harness.envelope import TooManyItems, parse_envelope, serialize_parts
from harness.ingest.limits import Limits, parse_limit_override
from harness.ingest.processing import Outcome, process
from tests.support.payloads import event_envelope

KEYS = {1: frozenset({"k"})}


def outcome_of(
    body: bytes,
    endpoint: str = "envelope",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> Outcome:
    return process(
        endpoint=endpoint,
        project=1,
        headers=headers or {},
        query={"sentry_key": "k"} if query is None else query,
        body=body,
        keys_by_project=KEYS,
        limits=limits or Limits(),
    )


def run(body: bytes, endpoint: str = "envelope", **kwargs: Any) -> tuple[int, str | None]:
    outcome = outcome_of(body, endpoint, **kwargs)
    return outcome.status, outcome.reason


def test_accepted_envelope_answers_its_event_id() -> None:
    body = event_envelope()
    outcome = outcome_of(body)
    assert outcome.status == 200
    assert outcome.event_id is not None
    assert outcome.event_id in body.decode()


def test_limits_apply_to_decompressed_sizes() -> None:
    big = event_envelope("x" * 5000)
    tight = Limits().with_overrides({"max_envelope_size": 4096})
    assert run(gzip.compress(big), headers={"content-encoding": "gzip"}, limits=tight)[0] == 413


def test_item_limit_by_type() -> None:
    tight = Limits().with_overrides({"max_event_size": 100})
    status, reason = run(event_envelope("x" * 200), limits=tight)
    assert status == 413
    assert reason is not None
    assert "event item" in reason


def test_store_needs_request_auth() -> None:
    assert run(b'{"message":"x"}', endpoint="store", query={})[0] == 401


def test_limit_overrides() -> None:
    assert parse_limit_override("max_event_size=64KiB") == ("max_event_size", 65536)
    assert parse_limit_override("max_event_size=2MiB") == ("max_event_size", 2 * 1024 * 1024)
    with pytest.raises(ValueError, match="unknown limit"):
        Limits().with_overrides({"max_nothing": 1})


def _items(*types: str, **headers: str) -> bytes:
    return serialize_parts({}, [({"type": t, **headers}, b"{}") for t in types])


@pytest.mark.parametrize(
    ("types", "headers", "status"),
    [
        (["event", "attachment", "attachment"], {}, 200),
        (["event", "transaction"], {}, 413),  # one of the event group per envelope
        (["replay_event", "replay_recording"], {}, 200),  # the browser SDK's replay envelope
        (["attachment"] * 30, {}, 200),
        (["attachment"] * 31, {}, 413),
        (["sessions"] * 100 + ["client_report"] * 100, {}, 200),
        (["session"] * 101, {}, 413),
        (["span"] * 25, {}, 200),
        (["span"] * 26, {}, 413),
        (["span"] * 2, {"content_type": "application/vnd.sentry.items.span.v2+json"}, 413),
        (["log"] * 2, {}, 413),
        (["x_unknown"] * 1000, {}, 200),  # Relay counts no unknown type; the guard allows 1,000
    ],
)
def test_relay_item_counts(types: list[str], headers: dict[str, str], status: int) -> None:
    code, reason = run(_items(*types, **headers))
    assert code == status, reason
    if status == 413:
        assert reason is not None
        assert f"type '{types[-1]}'" in reason


def test_item_guard_stops_framing_and_keeps_no_items() -> None:
    body = _items(*["x_unknown"] * 100_000)
    outcome = outcome_of(body)
    assert outcome.status == 413
    assert outcome.reason is not None
    assert "more than 1000 items (max_items_per_envelope" in outcome.reason
    assert outcome.envelope is not None
    assert outcome.envelope.items == []  # recorded whole as refused, without 100,000 item rows
    with pytest.raises(TooManyItems) as caught:
        parse_envelope(body, max_items=10)
    assert len(caught.value.items) == 10
    assert body[caught.value.offset : caught.value.offset + 1] == b"{"


def test_item_guard_reason_names_relays_count_when_it_broke_first() -> None:
    code, reason = run(_items(*["attachment"] * 100_000))
    assert code == 413
    assert reason is not None
    assert "more than 30 attachment item(s) per envelope (max_attachment_count)" in reason


def test_item_guard_still_authorises_from_the_envelope_dsn() -> None:
    body = serialize_parts({"dsn": "http://wrong@127.0.0.1/1"}, [({"type": "x"}, b"") for _ in range(2000)])
    assert run(body, query={})[0] == 403
