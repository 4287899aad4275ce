"""The event-quality checks as pure functions: the request context is judged by the shared sensitive-headers list."""

from __future__ import annotations

from typing import Any

import pytest

from harness.production import quality
from harness.redact import SENSITIVE_HEADERS
from harness.results import Verdict


def event(headers: Any) -> dict[str, Any]:
    frames = [{"module": "app", "function": "handler", "in_app": True}]
    return {
        "message": "boom",
        "level": "error",
        "transaction": "GET /api/items",
        "exception": {"values": [{"type": "Error", "value": "boom", "stacktrace": {"frames": frames}}]},
        "request": {"url": "http://app.test/api/items", "method": "GET", "headers": headers},
        "breadcrumbs": {"values": [{"category": "gate", "message": "step"}]},
    }


def request_context(headers: Any) -> Any:
    results = {r.check_id: r for r in quality.event_quality_checks(event(headers))}
    return results["production.quality.request-context"]


def test_a_scrubbed_event_passes_every_quality_check() -> None:
    results = quality.event_quality_checks(event({"Accept": "application/json"}))
    assert [r.check_id for r in results] == [
        "production.quality.in-app-frames",
        "production.quality.request-context",
        "production.quality.breadcrumbs",
        "production.quality.transaction",
        "production.quality.relay-normalization",
    ]
    assert all(r.verdict is Verdict.PASS for r in results), [r.summary for r in results]


@pytest.mark.parametrize("name", SENSITIVE_HEADERS)
def test_every_sensitive_header_fails_the_request_context(name: str) -> None:
    as_dict = request_context({name.title(): "value", "Accept": "*/*"})
    as_pairs = request_context([[name.upper(), "value"]])
    for result in (as_dict, as_pairs):
        assert result.verdict is Verdict.FAIL
        assert f"unscrubbed headers ['{name}']" in result.summary


def test_the_sensitive_headers_are_the_union_both_audits_named() -> None:
    assert set(SENSITIVE_HEADERS) == {"authorization", "cookie", "set-cookie", "x-api-key", "x-forwarded-for"}
