"""Browser overhead from interleaved page loads: the pure half (no browser, no I/O).

The driver (`harness.load.browser`) loads the same page under several arms (Sentry off, SDK only,
SDK + Replay) in rounds whose order alternates and rotates (ABC CBA BCA ACB …), so a drift of the
machine hits every arm alike and no arm always goes first or sits in the middle. Each round gives,
per metric, one ratio of an instrumented arm over the baseline; the estimate is the geometric mean
of those ratios, its interval Student's t over rounds (`harness.stats.overhead`; the server gate's
method, which keeps its coverage with few rounds where a percentile bootstrap narrows), and the
verdict non-inferiority against a per-metric budget: PASS when the interval's upper end is within it,
FAIL when its lower end is beyond it, INCONCLUSIVE otherwise, with the half-width reached.

Total blocking time is often 0 ms on a light page; a ratio over 0 means nothing, so blocking time
is compared with a floor added to both sides (`TBT_FLOOR_MS`, one long task's worth of blocking):
a ratio of (TBT + floor), which is 1 when neither arm blocks and still grows with the real cost.

An arm fails when any metric fails, so each metric is decided at the Bonferroni level over the
budgeted metrics (98.75% for four at 95%); the summary shows the 95% interval, as Sentry's tables
would, and the half-width of the interval the decision used. Fewer than `MIN_ROUNDS` rounds are
reported but never decided.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from harness.results import CheckResult, Verdict
from harness.stats.overhead import OverheadDecision, decide_overhead

__all__ = [
    "ARM_CHECKS",
    "DEFAULT_BUDGETS",
    "LONG_TASK_MS",
    "METRICS",
    "MIN_ROUNDS",
    "TBT_FLOOR_MS",
    "PageSample",
    "arm_verdict",
    "combine",
    "decide_arm",
    "decision_level",
    "interleaved_order",
    "median",
    "metric_value",
    "round_deltas",
    "round_ratios",
    "total_blocking_time",
]

LONG_TASK_MS: Final = 50.0
"""A main-thread task longer than this blocks input; the excess is its blocking time (web.dev's TBT)."""

TBT_FLOOR_MS: Final = 50.0

MIN_ROUNDS: Final = 6
"""Fewer rounds are never decided: two or three ratios say little about a page's load-to-load spread
(measured here: an A/A of 2 rounds "failed" LCP at +12% when this used a percentile bootstrap)."""

METRICS: Final = ("lcp", "tbt", "heap", "script")
"""Largest contentful paint, total blocking time, JS heap after GC, main-thread script time."""

DEFAULT_BUDGETS: Final[Mapping[str, float]] = {"lcp": 0.02, "tbt": 0.02, "heap": 0.02, "script": 0.02}
"""The plan's "< 2% production impact", applied to every metric alike unless the caller says otherwise."""

ARM_CHECKS: Final[Mapping[str, str]] = {
    "sdk": "performance.overhead.browser-sdk",
    "replay": "performance.overhead.browser-replay",
}


@dataclass(frozen=True, slots=True)
class PageSample:
    """One page load's measurements (milliseconds, bytes)."""

    arm: str
    round: int
    lcp_ms: float
    fcp_ms: float
    tbt_ms: float
    long_tasks: int
    heap_bytes: float
    script_ms: float
    task_ms: float
    load_ms: float
    sdk_enabled: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "arm": self.arm,
            "round": self.round,
            "lcp_ms": round(self.lcp_ms, 2),
            "fcp_ms": round(self.fcp_ms, 2),
            "tbt_ms": round(self.tbt_ms, 2),
            "long_tasks": self.long_tasks,
            "heap_bytes": int(self.heap_bytes),
            "script_ms": round(self.script_ms, 2),
            "task_ms": round(self.task_ms, 2),
            "load_ms": round(self.load_ms, 2),
            "sdk_enabled": self.sdk_enabled,
        }


def total_blocking_time(long_tasks: Sequence[tuple[float, float]], fcp_ms: float, end_ms: float = math.inf) -> float:
    """Sum of (duration - 50 ms) over the long tasks ``(start, duration)`` that run after first contentful
    paint and before ``end_ms``; a task straddling FCP counts only its part after FCP (as Lighthouse does)."""
    total = 0.0
    for start, duration in long_tasks:
        begin, stop = max(start, fcp_ms), min(start + duration, end_ms)
        if stop > begin:
            total += max(0.0, (stop - begin) - LONG_TASK_MS)
    return total


def interleaved_order(arms: Sequence[str], rounds: int) -> list[list[str]]:
    """The arms' order in each round: a rotation of ``arms``, forward then reversed (ABC CBA, BCA ACB,
    CAB BAC, …). Each reversed pair cancels a linear drift; the rotations put every arm in every
    position equally often, so no arm is always in the middle (measured: on a loaded machine the
    first and last loads of a round differed by ~10% in LCP)."""
    if len(set(arms)) != len(arms) or len(arms) < 2:
        raise ValueError("need at least two distinct arms")
    if rounds < 1:
        raise ValueError("need at least one round")
    order = []
    for r in range(rounds):
        shift = (r // 2) % len(arms)
        rotated = list(arms[shift:]) + list(arms[:shift])
        order.append(rotated if r % 2 == 0 else rotated[::-1])
    return order


def metric_value(sample: PageSample, metric: str) -> float:
    """The value a ratio is taken of (TBT with its floor, so a page that never blocks compares as 1)."""
    if metric == "lcp":
        return sample.lcp_ms
    if metric == "tbt":
        return sample.tbt_ms + TBT_FLOOR_MS
    if metric == "heap":
        return sample.heap_bytes
    if metric == "script":
        return sample.script_ms
    raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")


def round_ratios(samples: Sequence[PageSample], arm: str, baseline: str, metric: str) -> list[float]:
    """Per round holding both arms, ``arm`` over ``baseline`` (1.05: the arm costs 5% more), in round order.

    A round missing either arm, or with a non-positive baseline value, gives no ratio."""
    by_round: dict[int, dict[str, PageSample]] = {}
    for s in samples:
        by_round.setdefault(s.round, {})[s.arm] = s
    ratios = []
    for r in sorted(by_round):
        pair = by_round[r]
        if arm in pair and baseline in pair:
            base = metric_value(pair[baseline], metric)
            if base > 0:
                ratios.append(metric_value(pair[arm], metric) / base)
    return ratios


def round_deltas(samples: Sequence[PageSample], arm: str, baseline: str) -> dict[str, float]:
    """Median per-round difference, arm minus baseline, in the metrics' own units (ms, bytes): the
    absolute deltas Sentry publishes for its SDK, beside the ratios the verdict uses."""
    by_round: dict[int, dict[str, PageSample]] = {}
    for s in samples:
        by_round.setdefault(s.round, {})[s.arm] = s
    pairs = [(p[arm], p[baseline]) for p in by_round.values() if arm in p and baseline in p]
    fields = {"lcp_ms": "lcp_ms", "tbt_ms": "tbt_ms", "heap_bytes": "heap_bytes", "script_ms": "script_ms"}
    return {key: round(median([getattr(a, f) - getattr(b, f) for a, b in pairs]), 2) for key, f in fields.items()}


def median(values: Sequence[float]) -> float:
    xs = sorted(values)
    if not xs:
        return math.nan
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def decision_level(level: float, metrics: int) -> float:
    """Per-metric confidence level for the decision (Bonferroni over the budgeted metrics).

    An arm fails when any one metric fails, so with four metrics at 95% each an A/A comparison would
    fail up to four times as often as one metric does; deciding each at 1 - (1 - level)/k keeps the
    arm's false-FAIL rate within the stated level."""
    if metrics < 1:
        raise ValueError("need at least one budgeted metric")
    return 1 - (1 - level) / metrics


def decide_arm(
    samples: Sequence[PageSample],
    arm: str,
    baseline: str = "off",
    *,
    budgets: Mapping[str, float] = DEFAULT_BUDGETS,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, OverheadDecision]:
    """Each budgeted metric's decision for ``arm`` against ``baseline``, at the familywise level."""
    each = decision_level(level, len(budgets))
    decisions = {}
    for metric, budget in budgets.items():
        ratios = round_ratios(samples, arm, baseline, metric)
        decision = decide_overhead(ratios, budget=budget, level=each, seed=seed, method="t")
        if len(ratios) < MIN_ROUNDS:
            decision = dataclasses.replace(decision, verdict=Verdict.INCONCLUSIVE)
        decisions[metric] = decision
    return decisions


def combine(verdicts: Sequence[Verdict]) -> Verdict:
    """A metric over budget fails the arm; every metric within budget passes it; else undecided."""
    if Verdict.FAIL in verdicts:
        return Verdict.FAIL
    if verdicts and all(v is Verdict.PASS for v in verdicts):
        return Verdict.PASS
    return Verdict.INCONCLUSIVE


_LABELS: Final = {"lcp": "LCP", "tbt": "TBT", "heap": "JS heap", "script": "script time"}


def _medians(samples: Sequence[PageSample], arm: str) -> dict[str, float]:
    mine = [s for s in samples if s.arm == arm]
    return {
        "lcp_ms": round(median([s.lcp_ms for s in mine]), 2),
        "fcp_ms": round(median([s.fcp_ms for s in mine]), 2),
        "tbt_ms": round(median([s.tbt_ms for s in mine]), 2),
        "heap_bytes": round(median([s.heap_bytes for s in mine])),
        "script_ms": round(median([s.script_ms for s in mine]), 2),
        "task_ms": round(median([s.task_ms for s in mine]), 2),
        "load_ms": round(median([s.load_ms for s in mine]), 2),
    }


def _pct(ratio: float) -> str:
    text = f"{(ratio - 1) * 100:+.1f}%"
    return "+0.0%" if text == "-0.0%" else text


def arm_verdict(
    check_id: str,
    samples: Sequence[PageSample],
    arm: str,
    baseline: str = "off",
    *,
    throttle: float,
    budgets: Mapping[str, float] = DEFAULT_BUDGETS,
    level: float = 0.95,
    label: str | None = None,
    extra_evidence: Mapping[str, Any] | None = None,
) -> CheckResult:
    """The check result for one instrumented arm: per-metric ratios with intervals and the combined verdict.

    The summary leads with the metrics that decided (those over budget on a FAIL), each with its
    measured ratio, its 95% interval and the half-width of the interval it was decided on."""
    decisions = decide_arm(samples, arm, baseline, budgets=budgets, level=level)
    verdict = combine([d.verdict for d in decisions.values()])
    shown = {m: decide_overhead(round_ratios(samples, arm, baseline, m), level=level, method="t") for m in decisions}
    rounds = len(round_ratios(samples, arm, baseline, "lcp"))
    parts = []
    for metric in sorted(decisions, key=lambda m: (decisions[m].verdict is not verdict, METRICS.index(m))):
        d, ci = decisions[metric], shown[metric].interval
        parts.append(
            f"{_LABELS[metric]} ratio {d.estimate:.3f} ({_pct(d.estimate)},"
            f" {level * 100:g}% CI {_pct(ci.low)}..{_pct(ci.high)}; budget {d.budget * 100:g}%:"
            f" {d.verdict.value.upper()} at ±{d.resolution * 100:.1f}%)"
        )
    head = f"{label or arm} vs {baseline}, {rounds} interleaved rounds, CPU throttled {throttle:g}x: "
    if rounds < MIN_ROUNDS:
        head += f"not decided with fewer than {MIN_ROUNDS} rounds; "
    evidence: dict[str, Any] = {
        "arm": arm,
        "baseline": baseline,
        "rounds": rounds,
        "throttle": throttle,
        "level": level,
        "decision_level": decision_level(level, len(decisions)),
        "medians": {arm: _medians(samples, arm), baseline: _medians(samples, baseline)},
        "deltas": round_deltas(samples, arm, baseline),
        "ratios": {
            m: {
                "estimate": round(d.estimate, 6),
                "interval": shown[m].interval.as_list(),
                "decision_interval": d.interval.as_list(),
                "half_width": round(d.resolution, 6),
                "budget": d.budget,
                "verdict": d.verdict.value,
            }
            for m, d in decisions.items()
        },
        "tbt_floor_ms": TBT_FLOOR_MS,
        **dict(extra_evidence or {}),
    }
    return CheckResult(check_id, verdict, head + "; ".join(parts), evidence)
