"""The server-side overhead checks, decided from block records: latency and CPU per request.

Pure: block records in, ``CheckResult`` out. The latency check compares the median latency of each
kept A/B pair (B over A) and decides non-inferiority against the budget; the p95 ratio, both sides'
medians and p95s, the throughput ratio at saturation and the blocks thrown out (with reasons) are its
evidence. The CPU check does the same with the target's CPU time per request (process accounting,
so it is only there for bundled targets). Intervals use Student's t over pairs (see
``harness.stats.overhead``). Nothing here tunes toward a pass: the budget is applied as given.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any, Final

from harness.results import CheckResult, Verdict
from harness.stats.overhead import OverheadDecision, decide_overhead, pair_ratios, quantile, value_ratios

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from harness.load.records import BlockRecord
    from harness.load.runner import Capacity

__all__ = ["CPU_CHECK", "LATENCY_CHECK", "block_table", "cpu_check", "latency_check"]

LATENCY_CHECK: Final = "performance.overhead.server-latency"
CPU_CHECK: Final = "performance.overhead.server-cpu"
DEFAULT_BUDGET: Final = 0.02


def _thrown(records: Sequence[BlockRecord]) -> list[dict[str, Any]]:
    return [
        {"block": r.index, "arm": r.arm, "warmup": r.warmup, "reason": r.thrown_out} for r in records if r.thrown_out
    ]


def block_table(records: Sequence[BlockRecord]) -> list[dict[str, Any]]:
    """One row per block (warm-up included, marked), for the report and the raw CSV."""
    rows = []
    for r in records:
        lat = r.latencies_ms
        rows.append(
            {
                "block": r.index,
                "arm": r.arm,
                "pair": r.pair,
                "warmup": r.warmup,
                "requests": r.completed,
                "errors": r.errors,
                "p50_ms": round(quantile(lat, 0.5), 3) if lat else None,
                "p95_ms": round(quantile(lat, 0.95), 3) if lat else None,
                "throughput_per_s": round(r.throughput, 2),
                "cpu_us_per_request": None if r.cpu_us_per_request is None else round(r.cpu_us_per_request, 1),
                "loadgen_cpu": round(r.loadgen_cpu_share, 3),
                "others_on_target_core": None if r.others_on_target_core is None else round(r.others_on_target_core, 3),
                "target_run_queue_wait_s": None if r.target_wait_seconds is None else round(r.target_wait_seconds, 3),
                "thrown_out": r.thrown_out,
            }
        )
    return rows


def _interval(d: OverheadDecision) -> dict[str, Any]:
    return {
        "estimate": round(d.estimate, 5),
        "interval": d.interval.as_list(),
        "level": d.interval.level,
        "method": d.interval.method,
        "half_width": round(d.resolution, 5),
    }


def _describe(d: OverheadDecision, what: str) -> str:
    lo, hi = d.interval.low, d.interval.high
    text = (
        f"{what} ratio B/A {d.estimate:.4f} ({d.interval.level:.0%} CI {lo:.4f}..{hi:.4f}, {d.pairs} pairs) "
        f"against a budget of {1 + d.budget:.2f}"
    )
    if d.verdict is Verdict.INCONCLUSIVE:
        text += f"; resolution ±{d.resolution * 100:.2f}% cannot decide"
    return text


def _too_few(check_id: str, kept: int, records: Sequence[BlockRecord], context: Mapping[str, Any]) -> CheckResult:
    thrown = _thrown(records)
    return CheckResult(
        check_id,
        Verdict.INCONCLUSIVE,
        f"only {kept} A/B pair(s) kept, 2 needed; {len(thrown)} block(s) thrown out"
        + (f" (first: {thrown[0]['reason']})" if thrown else ""),
        {
            **context,
            "pairs_kept": kept,
            "blocks_measured": sum(1 for r in records if not r.warmup),
            "thrown_out": thrown,
        },
    )


def latency_check(
    a: Sequence[BlockRecord],
    b: Sequence[BlockRecord],
    records: Sequence[BlockRecord],
    *,
    budget: float = DEFAULT_BUDGET,
    capacity: Capacity | None = None,
    context: Mapping[str, Any] | None = None,
) -> CheckResult:
    """``a``/``b``: the kept pairs' blocks (``records.kept_pairs``); ``records``: every block, for evidence."""
    ctx = dict(context or {})
    if len(a) < 2:
        return _too_few(LATENCY_CHECK, len(a), records, ctx)
    a_lat = [r.latencies_ms for r in a]
    b_lat = [r.latencies_ms for r in b]
    p50 = decide_overhead(pair_ratios(a_lat, b_lat, 0.5), budget=budget, method="t")
    p95 = decide_overhead(pair_ratios(a_lat, b_lat, 0.95), budget=budget, method="t")
    evidence: dict[str, Any] = {
        **ctx,
        "budget": budget,
        "median_ratio": _interval(p50),
        "p95_ratio": _interval(p95),
        "a_median_ms": round(statistics.median(quantile(x, 0.5) for x in a_lat), 3),
        "b_median_ms": round(statistics.median(quantile(x, 0.5) for x in b_lat), 3),
        "a_p95_ms": round(statistics.median(quantile(x, 0.95) for x in a_lat), 3),
        "b_p95_ms": round(statistics.median(quantile(x, 0.95) for x in b_lat), 3),
        "pairs_kept": len(a),
        "blocks_kept": 2 * len(a),
        "blocks_measured": sum(1 for r in records if not r.warmup),
        "thrown_out": _thrown(records),
        "requests": sum(len(x) for x in a_lat) + sum(len(x) for x in b_lat),
    }
    if capacity is not None:
        evidence["capacity_per_s"] = {
            "a": round(capacity.a_per_second, 1),
            "b": round(capacity.b_per_second, 1),
            "ratio": round(capacity.ratio, 4),
            "pair_ratios": [round(x, 4) for x in capacity.pair_ratios],
        }
    summary = (
        _describe(p50, "median latency")
        + f" (A {evidence['a_median_ms']} ms, B {evidence['b_median_ms']} ms; p95 ratio {p95.estimate:.4f})"
    )
    return CheckResult(LATENCY_CHECK, p50.verdict, summary, evidence)


def cpu_check(
    a: Sequence[BlockRecord],
    b: Sequence[BlockRecord],
    records: Sequence[BlockRecord],
    *,
    budget: float = DEFAULT_BUDGET,
    context: Mapping[str, Any] | None = None,
) -> CheckResult:
    ctx = dict(context or {})
    a_cpu = [r.cpu_us_per_request for r in a]
    b_cpu = [r.cpu_us_per_request for r in b]
    if any(x is None for x in (*a_cpu, *b_cpu)):
        return CheckResult(
            CPU_CHECK,
            Verdict.SKIPPED,
            "the targets' CPU time is not readable here (an external deployment): no CPU figure",
            ctx,
        )
    a_vals = [float(x) for x in a_cpu if x is not None]
    b_vals = [float(x) for x in b_cpu if x is not None]
    if len(a_vals) < 2:
        return _too_few(CPU_CHECK, len(a_vals), records, ctx)
    if min((*a_vals, *b_vals)) <= 0:
        return CheckResult(CPU_CHECK, Verdict.INCONCLUSIVE, "a block recorded no CPU time (clock too coarse)", ctx)
    d = decide_overhead(value_ratios(a_vals, b_vals), budget=budget, method="t")
    a_med, b_med = statistics.median(a_vals), statistics.median(b_vals)
    evidence = {
        **ctx,
        "budget": budget,
        "cpu_ratio": _interval(d),
        "a_cpu_us_per_request": round(a_med, 1),
        "b_cpu_us_per_request": round(b_med, 1),
        "added_cpu_us_per_request": round(b_med - a_med, 1),
        "pairs_kept": len(a_vals),
        "thrown_out": _thrown(records),
    }
    summary = _describe(d, "CPU per request") + f" (A {a_med:.0f} µs, B {b_med:.0f} µs, +{b_med - a_med:.0f} µs)"
    return CheckResult(CPU_CHECK, d.verdict, summary, evidence)
