"""The delivery, memory, availability and browser-journey checks as pure functions: verdicts, figures named."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from harness.chaos import availability, delivery, memory
from harness.chaos.browser_journey import JourneyRecord, judge_journey
from harness.chaos.delivery import Arrival
from harness.chaos.load import LoadSample
from harness.results import Verdict

CHECK = "chaos.ingest-rate-limit.backoff"


def arrival(rid: int, at: float, *cats: str, status: int = 200) -> Arrival:
    return Arrival(rid, at, status, frozenset(cats))


@dataclass
class _Item:
    request_id: int
    type: str
    received_at: float


def test_arrivals_group_items_by_request_in_order() -> None:
    items = [_Item(2, "event", 5.0), _Item(1, "transaction", 3.0), _Item(1, "client_report", 3.0)]
    got = delivery.arrivals_from_items(items, {1: 429})
    assert got == [arrival(1, 3.0, "transaction", "internal", status=429), arrival(2, 5.0, "error")]


class TestRateLimitBackoff:
    def traffic(self, *, limited_inside: int) -> list[Arrival]:
        out = [arrival(1, 100.0, "transaction", status=429), arrival(2, 100.3, "transaction")]  # in flight: grace
        out += [arrival(10 + i, 101.5 + i, "error") for i in range(5)]
        out += [arrival(20 + i, 102.0 + i, "transaction") for i in range(limited_inside)]
        out += [arrival(30, 111.0, "transaction", "error")]
        return out

    def test_a_respected_category_limit_passes(self) -> None:
        result = delivery.rate_limit_backoff(
            CHECK, "429", self.traffic(limited_inside=0), limit_seconds=10, limited=frozenset({"transaction"})
        )
        assert result.verdict is Verdict.PASS, result.summary
        assert result.evidence["error_during_limit"] == 5

    def test_limited_envelopes_inside_the_limit_fail_with_the_count(self) -> None:
        result = delivery.rate_limit_backoff(
            CHECK, "429", self.traffic(limited_inside=12), limit_seconds=60, limited=frozenset({"transaction"})
        )
        assert result.verdict is Verdict.FAIL
        assert "13 transaction envelopes within the 60 s limit" in result.summary  # the one at 111 s too
        assert "no transaction envelope arrived after the limit ended" in result.summary

    def test_other_categories_must_keep_flowing(self) -> None:
        traffic = [a for a in self.traffic(limited_inside=0) if "error" not in a.categories or a.at > 110]
        result = delivery.rate_limit_backoff(
            CHECK, "429", traffic, limit_seconds=10, limited=frozenset({"transaction"})
        )
        assert result.verdict is Verdict.FAIL
        assert "no error envelope arrived during the transaction limit" in result.summary

    def test_a_bare_429_limits_every_category_but_client_reports(self) -> None:
        traffic = [arrival(1, 0.0, "error", status=429), arrival(2, 3.0, "internal"), arrival(3, 11.0, "error")]
        assert delivery.rate_limit_backoff(CHECK, "bare", traffic, limit_seconds=10, limited=None).passed
        traffic.insert(2, arrival(4, 5.0, "error"))
        result = delivery.rate_limit_backoff(CHECK, "bare", traffic, limit_seconds=10, limited=None)
        assert "1 every category envelopes within the 10 s limit" in result.summary

    def test_no_429_met_is_inconclusive(self) -> None:
        result = delivery.rate_limit_backoff(CHECK, "429", [arrival(1, 0.0, "error")], limit_seconds=10, limited=None)
        assert result.verdict is Verdict.INCONCLUSIVE


class TestLossAccounted:
    def test_everything_accounted_passes_and_prints_every_figure(self) -> None:
        result = delivery.loss_accounted(
            "chaos.loss.accounted", "503", category="error", injected=10, received=6, accounted={"network_error": 4}
        )
        assert result.verdict is Verdict.PASS
        assert "injected 10, received 6, accounted 4 (network_error 4), unaccounted 0" in result.summary

    def test_a_shortfall_fails(self) -> None:
        result = delivery.loss_accounted(
            "chaos.loss.accounted", "503", category="error", injected=10, received=6, accounted={}
        )
        assert result.verdict is Verdict.FAIL
        assert "accounted 0 (no client report), unaccounted 4" in result.summary

    def test_a_known_sdk_gap_is_inconclusive_never_a_pass(self) -> None:
        result = delivery.loss_accounted(
            "chaos.loss.accounted", "503", category="error", injected=10, received=6, accounted={}, known_gap="x"
        )
        assert result.verdict is Verdict.INCONCLUSIVE

    def test_client_reports_are_summed_by_reason_for_one_category(self) -> None:
        reports = [
            {"discarded_events": [{"reason": "ratelimit_backoff", "category": "transaction", "quantity": 3}]},
            {"discarded_events": [{"reason": "ratelimit_backoff", "category": "transaction", "quantity": 2}]},
            {"discarded_events": [{"reason": "network_error", "category": "error", "quantity": 1}]},
        ]
        assert delivery.discarded_by_reason(reports, "transaction") == {"ratelimit_backoff": 5}


class TestShutdownFlush:
    def test_all_delivered_in_time_passes(self) -> None:
        result = delivery.shutdown_flush(
            "chaos.shutdown.flush", sent=8, received=8, session_updates=1, exit_seconds=1.0, timeout_s=7, exit_code=0
        )
        assert result.verdict is Verdict.PASS

    def test_lost_events_and_sessions_fail_naming_the_count(self) -> None:
        result = delivery.shutdown_flush(
            "chaos.shutdown.flush", sent=8, received=3, session_updates=0, exit_seconds=0.1, timeout_s=7, exit_code=0
        )
        assert result.verdict is Verdict.FAIL
        assert "5 of 8 events pending at SIGTERM lost" in result.summary
        assert "no request-mode session aggregate delivered" in result.summary

    def test_too_slow_an_exit_fails(self) -> None:
        result = delivery.shutdown_flush(
            "chaos.shutdown.flush", sent=1, received=1, session_updates=1, exit_seconds=9.0, timeout_s=7, exit_code=0
        )
        assert "exit took 9.0 s (shutdown timeout 7 s)" in result.summary


class TestMemory:
    def test_vm_rss_is_read_in_mb(self) -> None:
        assert memory.parse_vm_rss("Name:\tnode\nVmRSS:\t  102400 kB\n") == 100.0
        with pytest.raises(ValueError, match="VmRSS"):
            memory.parse_vm_rss("Name:\tkthreadd\n")

    def test_growth_over_the_limit_fails_naming_the_growth(self) -> None:
        """No mutant leaks on an outage: this is the check's failure path, shown on figures."""
        result = memory.memory_bounded(
            "chaos.ingest-down.memory", "down", before_mb=80.0, samples_mb=[90, 139, 140.5, 141], requests=400
        )
        assert result.verdict is Verdict.FAIL
        assert "growth +60.5 MB, limit 50 MB; peak 141.0 MB" in result.summary

    def test_a_transient_peak_is_reported_not_judged(self) -> None:
        result = memory.memory_bounded(
            "chaos.ingest-down.memory", "down", before_mb=80.0, samples_mb=[90, 140, 95, 96, 94], requests=400
        )
        assert result.verdict is Verdict.PASS
        assert result.evidence["peak_growth_mb"] == 60.0

    def test_growth_under_the_limit_passes(self) -> None:
        result = memory.memory_bounded(
            "chaos.ingest-down.memory", "down", before_mb=80.0, samples_mb=[95.0], requests=10
        )
        assert result.verdict is Verdict.PASS

    def test_the_process_measures_itself(self) -> None:
        assert memory.rss_mb(os.getpid()) > 1.0


def blocks(p95s: list[float], n: int = 20) -> list[LoadSample]:
    return [LoadSample([p * 0.5] * (n - 2) + [p, p]) for p in p95s]


class TestP95Blocks:
    ID = "chaos.ingest-down.app-unaffected"

    def test_equal_blocks_pass_and_report_both_figures(self) -> None:
        result = availability.p95_blocks(self.ID, "down", blocks([100, 104, 98, 101]), blocks([101, 103, 99, 100]))
        assert result.verdict is Verdict.PASS, result.summary
        assert "p95 100.5 ms under the fault vs 100.5 ms steady" in result.summary

    def test_a_clear_slowdown_fails(self) -> None:
        result = availability.p95_blocks(self.ID, "slow", blocks([100, 100, 100]), blocks([3000, 3100, 2900]))
        assert result.verdict is Verdict.FAIL
        assert "p95 over the 10% rule" in result.summary
        assert "p95 3000.0 ms under the fault" in result.summary

    def test_a_straddling_interval_is_inconclusive(self) -> None:
        result = availability.p95_blocks(
            self.ID, "x", blocks([1000, 1000, 1000, 1000]), blocks([900, 1300, 1000, 1250])
        )
        assert result.verdict is Verdict.INCONCLUSIVE, result.summary

    def test_a_few_ms_over_10_percent_is_within_the_noise_floor(self) -> None:
        assert availability.p95_blocks(self.ID, "x", blocks([10, 10, 10]), blocks([20, 22, 21])).passed

    def test_a_stated_floor_judges_the_excess_in_milliseconds(self) -> None:
        """The self-test's lenient control rule: a 200 ms excess fails the issue's 50 ms floor, passes 1 s."""
        steady, slow = blocks([100, 100, 100, 100]), blocks([300, 310, 290, 305])
        assert availability.p95_blocks(self.ID, "x", steady, slow).verdict is Verdict.FAIL
        lenient = availability.p95_blocks(self.ID, "x", steady, slow, floor_ms=1000)
        assert lenient.verdict is Verdict.PASS, lenient.summary
        assert lenient.evidence["rule"] == "failed == 0 and p95 ratio <= 1.1 (or excess <= 1000 ms)"

    def test_a_user_facing_failure_fails(self) -> None:
        bad = [LoadSample([5.0], ["POST / #0: 500"])]
        result = availability.p95_blocks(self.ID, "x", blocks([10]), bad)
        assert result.verdict is Verdict.FAIL
        assert "1/1 user-facing failures" in result.summary


class TestBrowserJourney:
    """No page mutant breaks the journey: the check's failure paths are shown here, on records."""

    def record(self, **kw: object) -> JourneyRecord:
        record = JourneyRecord(failed_sends=3, sends=3)
        for name in ("home loads", "search answers", "track page"):
            record.step(name, True)
        for key, value in kw.items():
            setattr(record, key, value)
        return record

    def test_a_working_journey_that_met_the_outage_passes(self) -> None:
        refused = ["Failed to load resource: net::ERR_CONNECTION_REFUSED"]
        result = judge_journey("down", self.record(console_errors=refused))
        assert result.verdict is Verdict.PASS, result.summary
        assert result.evidence["network_console_lines"] == 1

    def test_an_sdk_error_surfacing_to_the_page_fails(self) -> None:
        result = judge_journey("down", self.record(page_errors=["TypeError: Failed to fetch"]))
        assert result.verdict is Verdict.FAIL
        assert "1 page errors" in result.summary
        assert "page error: TypeError: Failed to fetch" in result.summary

    def test_an_sdk_console_error_fails(self) -> None:
        result = judge_journey("down", self.record(console_errors=["Sentry Logger [error]: transport failed"]))
        assert result.verdict is Verdict.FAIL
        assert "1 SDK console errors" in result.summary

    def test_a_broken_step_fails_naming_it(self) -> None:
        record = self.record()
        record.step("track page", False, "TimeoutError")
        result = judge_journey("down", record)
        assert result.verdict is Verdict.FAIL
        assert "journey broken at track page: TimeoutError" in result.summary

    def test_no_failed_send_means_the_outage_was_not_met(self) -> None:
        assert judge_journey("down", self.record(failed_sends=0)).verdict is Verdict.INCONCLUSIVE
