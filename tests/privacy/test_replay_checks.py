"""The replay network-header check as a pure function: it judges by the one sensitive-headers list."""

from __future__ import annotations

from typing import Any

import pytest

from harness.privacy import Scanner
from harness.privacy import replay_checks as rc
from harness.redact import SENSITIVE_HEADERS
from harness.results import Verdict


def span(url: str, request_headers: dict[str, str], response_headers: dict[str, str]) -> dict[str, Any]:
    payload = {
        "op": "resource.fetch",
        "description": url,
        "data": {"request": {"headers": request_headers}, "response": {"headers": response_headers}},
    }
    return {"type": 5, "timestamp": 1, "data": {"tag": "performanceSpan", "payload": payload}}


def test_plain_headers_pass_with_the_api_span_as_control() -> None:
    events = [span("http://app.test/api/items", {"accept": "*/*"}, {"content-type": "application/json"})]
    result = rc.network_headers(events, rc.scan_replay(events, Scanner([])))
    assert result.verdict is Verdict.PASS, result.summary


@pytest.mark.parametrize("name", SENSITIVE_HEADERS)
@pytest.mark.parametrize("side", ["request", "response"])
def test_every_sensitive_header_recorded_fails(name: str, side: str) -> None:
    headers = {name.title(): "secret-value"}
    request, response = (headers, {}) if side == "request" else ({}, headers)
    events = [span("http://app.test/api/items", request, response)]
    result = rc.network_headers(events, [])
    assert result.verdict is Verdict.FAIL
    assert [loc.where for loc in result.locations] == [f"event 0 (resource.fetch) {side} header {name}"]
    assert "secret-value" not in result.summary
