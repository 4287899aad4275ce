"""Toxic specs and addresses: Toxiproxy's defaults, the CLI's text form, validation."""

from __future__ import annotations

import pytest

from harness.chaos import Address, Direction, ToxicSpec, parse_address, parse_toxic_spec


def test_defaults_are_toxiproxys() -> None:
    spec = ToxicSpec("latency", {"latency": 200})
    assert spec.stream is Direction.DOWNSTREAM
    assert spec.toxicity == 1.0
    assert spec.name == "latency_downstream"
    assert spec.attributes == {"latency": 200, "jitter": 0}
    assert spec.as_dict() == {
        "name": "latency_downstream",
        "type": "latency",
        "stream": "downstream",
        "toxicity": 1.0,
        "attributes": {"latency": 200, "jitter": 0},
    }


def test_text_form() -> None:
    spec = parse_toxic_spec("latency:latency=200,jitter=50,stream=upstream,toxicity=0.5,name=slow")
    assert spec == ToxicSpec("latency", {"latency": 200, "jitter": 50}, Direction.UPSTREAM, 0.5, "slow")
    assert parse_toxic_spec("timeout") == ToxicSpec("timeout", {"timeout": 0})
    assert parse_toxic_spec(" reset_peer:timeout=10 ").name == "reset_peer_downstream"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "does not start with a type"),
        ("latency:latency", "is not KEY=VALUE"),
        ("latency:latency=fast", "whole number"),
        ("latency:stream=sideways", "upstream or downstream"),
        ("latency:toxicity=lots", "between 0 and 1"),
        ("latency:toxicity=1.5", "between 0 and 1"),
        ("latency:toxicity=nan", "between 0 and 1"),
        ("warp:speed=9", "unknown toxic type"),
    ],
)
def test_bad_text_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_toxic_spec(text)


def test_update_keeps_attributes_not_given() -> None:
    spec = ToxicSpec("latency", {"latency": 200, "jitter": 50}, name="slow")
    updated = spec.updated(attributes={"latency": 10}, toxicity=0.25)
    assert updated.attributes == {"latency": 10, "jitter": 50}
    assert (updated.toxicity, updated.name) == (0.25, "slow")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8080", Address("127.0.0.1", 8080)),
        ("localhost:0", Address("localhost", 0)),
        ("[::1]:9000", Address("::1", 9000)),
        ("http://key@127.0.0.1:5000/api/1/", Address("127.0.0.1", 5000)),
        (("127.0.0.1", 1), Address("127.0.0.1", 1)),
    ],
)
def test_addresses(value: str | tuple[str, int], expected: Address) -> None:
    assert parse_address(value) == expected


@pytest.mark.parametrize("value", ["127.0.0.1", "127.0.0.1:http", ":80", "127.0.0.1:70000", "[::1]"])
def test_bad_addresses(value: str) -> None:
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_address(value)


def test_ipv6_address_text_is_bracketed() -> None:
    assert str(Address("::1", 80)) == "[::1]:80"


def test_the_package_facade_exports_what_it_lists() -> None:
    import harness.chaos

    assert harness.chaos.__all__ == sorted(harness.chaos.__all__, key=lambda n: (not n.isupper(), n))
    for name in harness.chaos.__all__:
        assert getattr(harness.chaos, name) is not None
