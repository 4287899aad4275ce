import base64
import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.privacy import CanaryFactory, Hit, Scanner, locate_in_json
from harness.privacy.encodings import forms

FACTORY = CanaryFactory()
SECRET = FACTORY.make("password")  # contains '!' and '#': URL-encoding changes it
SPACED = FACTORY.make("name")  # contains a space: both URL space forms


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda v: v, "plain"),
        (lambda v: json.dumps({"k": v + '"'})[7:-2], "plain"),
        (lambda v: quote(v, safe=""), "url-encoded"),
        (lambda v: v.lower(), "lower-cased"),
    ],
)
def test_each_encoding_is_found_and_named(encode: object, encoding: str) -> None:
    assert callable(encode)
    scanner = Scanner([SECRET])
    hits = scanner.scan_bytes(b"prefix " + str(encode(SECRET.value)).encode() + b" suffix")
    assert [(h.label, h.encoding) for h in hits] == [(SECRET.label, encoding)]


def test_both_url_space_forms() -> None:
    scanner = Scanner([SPACED])
    assert scanner.scan_text(quote(SPACED.value))[0].encoding == "url-encoded"
    assert scanner.scan_text(quote_plus(SPACED.value))[0].encoding == "url-encoded-plus"


def test_json_escaped_form() -> None:
    quoted = FACTORY.make("token")
    weird = type(quoted)(kind="token", value=quoted.value + '"\\/', label="weird")
    hits = Scanner([weird]).scan_text(json.dumps({"a": weird.value}))
    assert [h.encoding for h in hits] == ["json-escaped"]


@settings(max_examples=60, deadline=None)
@given(prefix=st.binary(max_size=7), suffix=st.binary(max_size=7), urlsafe=st.booleans())
def test_base64_found_at_every_alignment(prefix: bytes, suffix: bytes, urlsafe: bool) -> None:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    blob = encode(prefix + SECRET.value.encode() + suffix)
    hits = Scanner([SECRET]).scan_bytes(blob)
    assert hits
    assert hits[0].encoding in {"base64", "base64url"}


def test_many_canaries_at_once_and_no_false_hits() -> None:
    factory = CanaryFactory()
    canaries = [factory.make("token") for _ in range(1000)]
    scanner = Scanner(canaries)
    text = "x" * 1000 + canaries[10].value + "y" * 1000 + canaries[999].value
    assert {h.label for h in scanner.scan_text(text)} == {canaries[10].label, canaries[999].label}
    other = CanaryFactory().make("token")  # another run's canary is not ours
    assert scanner.scan_text(other.value) == []


def test_locate_in_json_gives_paths_not_values() -> None:
    scanner = Scanner([SECRET])
    event = {"request": {"headers": {"Cookie": f"session={SECRET.value}"}}, "extra": [{"x": 1}, SECRET.value]}
    located = locate_in_json(scanner, event)
    assert [path for path, _ in located] == ["$.request.headers.Cookie", "$.extra[1]"]
    assert all(SECRET.value not in path for path, _ in located)


def test_forms_never_include_short_base64_cores() -> None:
    assert all(len(f) >= 8 for f, enc in forms("abcdefghij").items() if enc.startswith("base64"))


def test_empty_scanner() -> None:
    assert Scanner([]).scan_text("anything") == []
    assert not Scanner([]).contains_any(b"anything")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["plain", "json", "url", "b64", "lower", "noise"]), min_size=1, max_size=6))
def test_the_fast_backend_reports_what_pyahocorasick_reports(parts: list[str]) -> None:
    """The DFA over bytes (ahocorasick_rs) and the character automaton agree hit for hit."""
    pytest.importorskip("ahocorasick_rs")
    canaries = [FACTORY.make(kind) for kind in ("password", "email", "jwt", "name")]
    encode: dict[str, Callable[[str], str]] = {
        "plain": lambda v: v,
        "json": lambda v: json.dumps(v)[1:-1],
        "url": lambda v: quote(v, safe=""),
        "b64": lambda v: base64.b64encode(b"xy" + v.encode()).decode(),
        "lower": lambda v: v.lower(),
        "noise": lambda v: "noise ünïcode ",
    }
    data = " | ".join(encode[p](canaries[i % len(canaries)].value) for i, p in enumerate(parts)).encode()
    fast, slow = Scanner(canaries), Scanner(canaries, fast=False)
    assert fast.backend.startswith("ahocorasick_rs")
    assert slow.backend == "pyahocorasick"

    def key(hit: Hit) -> tuple[int, int, str, str]:
        return (hit.start, hit.end, hit.label, hit.encoding)

    assert sorted(map(key, fast.scan_bytes(data))) == sorted(map(key, slow.scan_bytes(data)))
    assert fast.contains_any(data) == slow.contains_any(data)
