"""The request path's decision function, without a server: statuses as in docs/ingest.md."""

import gzip

import pytest

from harness.ingest.limits import Limits, parse_limit_override
from harness.ingest.processing import process
from tests.support.payloads import event_envelope

KEYS = {1: frozenset({"k"})}


def run(
    body: bytes,
    endpoint: str = "envelope",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> tuple[int, str | None]:
    outcome = process(
        endpoint=endpoint,
        project=1,
        headers=headers or {},
        query={"sentry_key": "k"} if query is None else query,
        body=body,
        keys_by_project=KEYS,
        limits=limits or Limits(),
    )
    return outcome.status, outcome.reason


def test_accepted_envelope_answers_its_event_id() -> None:
    body = event_envelope()
    outcome = process(
        endpoint="envelope",
        project=1,
        headers={},
        query={"sentry_key": "k"},
        body=body,
        keys_by_project=KEYS,
        limits=Limits(),
    )
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
