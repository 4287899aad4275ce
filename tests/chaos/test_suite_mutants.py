"""The chaos checks against the chaos mutants (targets/MUTANTS.md): each must FAIL naming its check id and the
measured value, and the hardened target must pass the same short scenario.

Short faults (seconds); one bundled target per mutant where both implement it alike. Each test
starts its own rig (the target process is the thing under test, and SIGTERM ends it).

No verdict here rests on an effect near its threshold (issue 13): each test says what separates the
hardened control from the mutant and how likely a correct build is to fail it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.chaos import ChaosRunner, ToxicFault, checks, experiments
from harness.chaos.rig import ChaosRig, running_rig
from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient
from harness.results import CheckResult, Verdict
from harness.targets import TargetUnavailable, unavailable_reason

TRACED = {"SENTRY_TRACES_SAMPLE_RATE": "1.0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}


@contextmanager
def rig_for(
    name: str,
    ingest: IngestClient,
    runner: ChaosRunner,
    tmp_path: Path,
    mutant: str | None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[ChaosRig]:
    if (why := unavailable_reason(name)) is not None:
        unavailable(why)
    try:
        with running_rig(name, ingest, runner, tmp_path, mutant=mutant, extra_env=extra_env) as rig:
            yield rig
    except TargetUnavailable as exc:
        unavailable(str(exc))


def by_id(results: list[CheckResult], check_id: str) -> CheckResult:
    found = [r for r in results if r.check_id == check_id]
    assert found, f"no {check_id} result in {[(r.check_id, r.summary) for r in results]}"
    return found[0]


def assert_caught(result: CheckResult, mutant: str | None, check_id: str, *figures: str) -> None:
    """Hardened: PASS. Mutant: FAIL naming the check id and the measured figures."""
    shown = f"{result.check_id} {result.verdict}: {result.summary}\n{result.evidence.get('journal', '')}"
    print(shown)  # the measured figures, for `pytest -rP`
    assert result.check_id == check_id, shown
    if mutant is None:
        assert result.verdict is Verdict.PASS, shown
        return
    assert result.verdict is Verdict.FAIL, shown
    message = f"{result.check_id}: {result.summary}"
    assert check_id in message
    for figure in figures:
        assert re.search(figure, message), f"{figure!r} not in {message!r}"


@pytest.mark.parametrize("mutant", [None, "rate-limits-ignored"])
def test_rate_limits_ignored_fails_backoff(
    mutant: str | None, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path: Path
) -> None:
    """Counts, not timing: the mutant sends every transaction of the 4 s limit (44-56 measured, the rule
    allows 0); the hardened SDK sends none. The one timed allowance, 1 s for envelopes already on the wire
    when the 429 came back (`IN_FLIGHT_GRACE_S`), is a deadline for loopback sends that take milliseconds:
    a correct build fails only if an envelope sent before the 429 was read spends over 1 s reaching the
    ingest (not seen in any run)."""
    with rig_for("express-vue", sentry_ingest, chaos_runner, tmp_path, mutant, TRACED) as rig:
        results = experiments.ingest_answer_scenario(rig, "category-429", limit_s=4, pace_ms=100)
    assert_caught(
        by_id(results, experiments.BACKOFF),
        mutant,
        experiments.BACKOFF,
        r"[1-9]\d* transaction envelopes within the 4 s limit",
    )
    if mutant is None:  # the hardened SDK accounts for what it held back
        loss = by_id(results, experiments.LOSS)
        assert loss.verdict is Verdict.PASS, loss.summary
        assert loss.evidence["accounted_by_reason"].get("ratelimit_backoff", 0) > 0, loss.summary


@pytest.mark.parametrize(
    ("name", "mutant"),
    [("python-api", None), ("python-api", "no-flush-on-sigterm"), ("express-vue", "no-flush-on-sigterm")],
)
def test_no_flush_on_sigterm_fails_shutdown_flush(
    name: str, mutant: str | None, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path: Path
) -> None:
    """The mutant's failure is asserted on what it loses: the request-mode session aggregate, which the SDKs
    send only when closed (or every 60 s), or the events still queued at the signal (how many depends on
    when it came, so any positive count will do).

    The hardened Python target must deliver every event within sentry-python's 2 s close timeout. The
    suite's load (10 events answered 120 ms late) left it 0.03-0.3 s of that (exit in 1.72-1.97 s, four
    runs at load 2-3), so here the ingest answers 30 ms late: 10 envelopes and the aggregate then take
    0.5-0.7 s of exit (nine runs at load 2-7), and a correct build fails only if each send costs three
    times what it did. The exit itself is judged against the target's 12 s budget, over 15 times what it took."""
    with rig_for(name, sentry_ingest, chaos_runner, tmp_path, mutant) as rig:
        result = experiments.shutdown_scenario(rig, ingest_latency_ms=30 if name == "python-api" else None)
    # Either loss names the mutant: in one CI run @sentry/node's aggregate arrived (1) while 37 of 45 events
    # pending at the signal were lost, so the summary named the events.
    lost = r"no request-mode session aggregate delivered|[1-9]\d* of \d+ events pending at SIGTERM lost"
    figures = [lost] if mutant else []
    assert_caught(result, mutant, experiments.FLUSH, *figures)


BLOCKING_LATENCY_MS = 3000
"""What the Sentry proxy adds under the fault: the blocking mutant holds every answer at least this long."""
CONTROL_FLOOR_MS = 1000.0
"""The hardened control is judged by a stated lenient floor: p95 under the fault at most 1 s above steady."""


@pytest.mark.parametrize("mutant", [None, "blocking-transport"])
def test_blocking_transport_fails_app_unaffected(
    mutant: str | None, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path: Path
) -> None:
    """The mutant must FAIL the issue's rule (p95 within 10% or 50 ms); the hardened control must PASS it
    with the noise floor at 1 s (`CONTROL_FLOOR_MS`), which no app that waits for Sentry can meet: the
    mutant waits the whole 3 s the fault adds. The 50 ms floor itself is unit-tested on figures
    (test_delivery.py); on the shared 2-core machine one pair's p95 ratio varies by up to a factor e (log
    ratio sd 1.19 at load 10) with a steady p95 of up to 55 ms, so a control judged at 50 ms came within
    three half-widths of it in 5 of 12 runs of 10-12 pairs (P(not PASS) = 0.57 at that sd and p95; the
    test skipped it then). Probabilities from the t interval over k pairs of log ratios (normal, sd
    sigma; k counts the experiment's own before/during blocks):

    - hardened, k = 13 (12 pairs of 40 requests, 2 workers): not PASS needs the interval's top above
      1 + 1000 ms / steady p95: P = 6e-10 at sigma 1.2 and a 55 ms steady p95 (the worst measured; 4
      half-widths), 2e-6 at 100 ms. Measured (six runs, load 3-9): ratio 0.91-1.06, 13-23 half-widths inside.
    - mutant, k = 7 (6 pairs of 8 requests, 8 workers): not FAIL needs the interval's bottom under
      1 + 50 ms / steady p95 while the fault blocks' p95 is 3 s plus the steady one by construction:
      P = 2e-12 at sigma 0.6 and a 200 ms steady p95 (worse than any measured: 0.6, 178 ms; 4.6
      half-widths), 3e-5 at sigma 0.8 and 300 ms (3 half-widths). Measured (five runs): ratio 33-50, CI bottom 23-31.
    """
    with rig_for("express-vue", sentry_ingest, chaos_runner, tmp_path, mutant) as rig:
        fault = ToxicFault(rig.sentry_proxy, "latency", {"latency": BLOCKING_LATENCY_MS})
        if mutant:  # every answer waits 3 s: short blocks, wide enough to show it
            result = experiments.sentry_wire_scenario(rig, fault, pairs=6, block_requests=8, concurrency=8)
        else:  # narrow, longer blocks (2 workers on 2 cores): p95 is the 38th of 40, not the slowest
            result = experiments.sentry_wire_scenario(
                rig, fault, pairs=12, block_requests=40, concurrency=2, floor_ms=CONTROL_FLOOR_MS
            )
    assert_caught(
        result,
        mutant,
        checks.APP_UNAFFECTED,
        r"p95 over the 10% rule: .*p95 ([3-9]\d{3}|\d{5,})\.\d ms under the fault",
    )


@pytest.mark.parametrize("mutant", [None, "upstream-errors-swallowed"])
def test_upstream_errors_swallowed_fails_errors_captured(
    mutant: str | None, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path: Path
) -> None:
    with rig_for("express-vue", sentry_ingest, chaos_runner, tmp_path, mutant) as rig:
        results = experiments.spotify_answer_scenario(
            rig, "server-error", {"status": 503}, expect=(503,), upstream_status=("503",)
        )
    assert_caught(
        by_id(results, checks.ERRORS_CAPTURED),
        mutant,
        checks.ERRORS_CAPTURED,
        r"3/3 answers were not the expected error: .*: 200",
        r"0 error events tagged upstream.status",
    )


@pytest.mark.parametrize("mutant", [None, "no-upstream-timeout"])
def test_no_upstream_timeout_fails_upstream_timeout(
    mutant: str | None, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path: Path
) -> None:
    """The deadline (7.5 s) sits far from both sides. The mutant's answers come after the 9 s the fake
    Spotify holds them, by construction. The hardened Express target gives up at its configured upstream
    timeout, here 1 s (the Python target's is a fixed 5 s, which left 2.4 s of the deadline: 5.1-5.3 s
    measured): a correct build fails only if an answer comes 6.5 s after its timeout fired."""
    with rig_for("express-vue", sentry_ingest, chaos_runner, tmp_path, mutant, {"SPOTIFY_TIMEOUT_MS": "1000"}) as rig:
        results = experiments.spotify_answer_scenario(
            rig, "slow", {"delay_ms": 9000}, expect=(504,), upstream_status=("timeout",), calls=2
        )
    assert_caught(
        by_id(results, checks.UPSTREAM_TIMEOUT),
        mutant,
        checks.UPSTREAM_TIMEOUT,
        r"slowest answer (9|1\d)\d{3} ms \(deadline 7500 ms\)",
    )
