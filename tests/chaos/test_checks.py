"""The chaos checks and the load sample as pure functions: verdicts, the figures they name, grouping keys."""

from __future__ import annotations

import math
from typing import Any

from harness.chaos import checks
from harness.chaos.load import LoadSample, percentile
from harness.chaos.rig import proxied_dsn
from harness.results import Verdict


def sample(latencies: list[float], failures: int = 0) -> LoadSample:
    return LoadSample(latencies, [f"GET / #{i}: 500" for i in range(failures)], 1.0)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile(list(map(float, range(1, 101))), 0.95) == 95.0
    assert math.isnan(percentile([], 0.95))
    assert sample([1.0] * 19 + [100.0]).p95_ms == 1.0


def event(status: str, route: str = "/api/spotify/search", frames: tuple[str, ...] = ("app.search",)) -> dict[str, Any]:
    return {
        "transaction": route,
        "tags": {"upstream.status": status, "gate.marker": "m"},
        "exception": {
            "values": [
                {
                    "type": "UpstreamError",
                    "stacktrace": {
                        "frames": [{"module": "lib", "function": "x", "in_app": False}]
                        + [{"module": f.split(".")[0], "function": f.split(".")[1], "in_app": True} for f in frames]
                    },
                }
            ]
        },
    }


class TestUpstreamErrorsCaptured:
    def test_one_tagged_event_per_call_in_one_group_passes(self) -> None:
        result = checks.upstream_errors_captured(
            "chaos.upstream.errors-captured",
            "reset",
            sample([5.0] * 4),
            [event("network")] * 4,
            upstream_status="network",
            route="/api/spotify/search",
        )
        assert result.verdict is Verdict.PASS, result.summary
        assert result.evidence["grouping_keys"] == [
            {"type": "UpstreamError", "in_app_frames": ["app.search"], "upstream_status": "network", "events": 4}
        ]

    def test_swallowed_errors_fail_naming_the_counts(self) -> None:
        result = checks.upstream_errors_captured(
            "chaos.upstream.errors-captured",
            "5xx",
            LoadSample([5.0] * 4, ["GET #0: 200 '{}'"] * 4),
            [],
            upstream_status="503",
            route="/api/spotify/search",
        )
        assert result.verdict is Verdict.FAIL
        assert "4/4 answers were not the expected error" in result.summary
        assert "0 error events tagged upstream.status=503 for 4 calls" in result.summary

    def test_one_group_per_request_fails(self) -> None:
        events = [event("503", frames=(f"app.handler{i}",)) for i in range(4)]
        result = checks.upstream_errors_captured(
            "c.d", "5xx", sample([1.0] * 4), events, upstream_status="503", route="/api/spotify/search"
        )
        assert result.verdict is Verdict.FAIL
        assert "4 grouping keys (at most 3)" in result.summary

    def test_events_without_the_route_fail(self) -> None:
        events = [event("503", route="GET /")] * 2
        result = checks.upstream_errors_captured(
            "c.d", "5xx", sample([1.0] * 2), events, upstream_status=("503", "502"), route="/api/spotify/search"
        )
        assert result.verdict is Verdict.FAIL
        assert "2 of them without the route" in result.summary

    def test_tags_in_the_wire_list_form(self) -> None:
        assert checks.tags_of({"tags": [["upstream.status", "429"]]}) == {"upstream.status": "429"}


def test_upstream_deadline() -> None:
    ok = checks.upstream_deadline("c.d", "hung", sample([5010.0] * 4), deadline_ms=7500)
    assert ok.verdict is Verdict.PASS
    slow = checks.upstream_deadline("c.d", "hung", sample([12_000.0] * 4, failures=0), deadline_ms=7500)
    assert slow.verdict is Verdict.FAIL
    assert "slowest answer 12000 ms (deadline 7500 ms)" in slow.summary


def test_a_dsn_through_the_proxy_keeps_key_and_project() -> None:
    class Proxy:
        listen = "127.0.0.1:4242"

    dsn = "http://0123abcd@127.0.0.1:9000/17"
    assert proxied_dsn(dsn, Proxy()) == "http://0123abcd@127.0.0.1:4242/17"  # type: ignore[arg-type]
