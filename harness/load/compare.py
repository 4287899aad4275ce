"""One server-side comparison, end to end: capacity, latency at a fixed rate, the two checks, artefacts.

This is what the suite, the self-tests, the calibration script and ``sentry-gate load`` call.
The arrival rate is either given, or a fraction of the baseline's measured capacity (the issue's
"50% and 80% of capacity"); the verdicts come from ``verdict``, the files from ``report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.load.records import BlockRecord, ThrowOutRules, kept_pairs
from harness.load.report import write_artefacts
from harness.load.runner import BlockSettings, Capacity, measure_at_rate, measure_capacity
from harness.load.verdict import CPU_CHECK, DEFAULT_BUDGET, LATENCY_CHECK, cpu_check, latency_check
from harness.results import CheckResult, Verdict

if TYPE_CHECKING:
    from pathlib import Path

    from harness.load.plan import Arm

__all__ = ["ServerComparison", "compare_arms"]


@dataclass
class ServerComparison:
    rate: float
    records: list[BlockRecord]
    latency: CheckResult
    cpu: CheckResult
    capacity: Capacity | None = None
    artefacts: dict[str, Any] = field(default_factory=dict)

    @property
    def results(self) -> list[CheckResult]:
        return [self.latency, self.cpu]


def _no_capacity(capacity: Capacity, context: dict[str, Any]) -> ServerComparison:
    """Every capacity block was thrown out: there is no rate to measure at, and the checks say why."""
    reasons = sorted({r.thrown_out for r in capacity.records if r.thrown_out})
    summary = "baseline capacity not measured (every capacity block thrown out: " + "; ".join(reasons[:3]) + ")"
    evidence = {
        **context,
        "thrown_out": [{"block": r.index, "arm": r.arm, "reason": r.thrown_out} for r in capacity.records],
    }
    results = [CheckResult(c, Verdict.INCONCLUSIVE, summary, evidence) for c in (LATENCY_CHECK, CPU_CHECK)]
    return ServerComparison(0.0, [], results[0], results[1], capacity)


def compare_arms(
    arms: dict[str, Arm],
    out_dir: Path,
    *,
    settings: BlockSettings,
    rate: float | None = None,
    rate_fraction: float = 0.5,
    capacity_seconds: float = 0.0,
    budget: float = DEFAULT_BUDGET,
    load_cpu: int | None = None,
    target_cpu: int | None = None,
    rules: ThrowOutRules | None = None,
    context: dict[str, Any] | None = None,
    label: str = "",
    capacity: Capacity | None = None,
) -> ServerComparison:
    """Measure capacity when ``capacity_seconds`` > 0 (and derive the rate from it when ``rate`` is None),
    then interleaved blocks at the rate, then decide both checks. A ``capacity`` measured earlier (e.g.
    for another rate fraction) is reused instead."""
    if capacity is None and capacity_seconds > 0:
        capacity = measure_capacity(
            arms,
            out_dir / "capacity",
            seconds=capacity_seconds,
            workers=settings.workers,
            load_cpu=load_cpu,
            target_cpu=target_cpu,
        )
    if rate is None:
        if capacity is None:
            raise ValueError("no rate given and no capacity measurement asked for to derive one from")
        if capacity.a_per_second <= 0:
            return _no_capacity(capacity, context or {})
        rate = round(rate_fraction * capacity.a_per_second, 1)
    records = measure_at_rate(
        arms, out_dir / "blocks", rate, settings, load_cpu=load_cpu, target_cpu=target_cpu, rules=rules
    )
    a, b = kept_pairs(records)
    ctx = {
        **(context or {}),
        "rate_per_s": rate,
        "rate_fraction_of_capacity": rate_fraction if capacity is not None else None,
        "block_seconds": settings.seconds,
        "pairs_planned": settings.pairs,
        "load_workers": settings.workers,
    }
    artefacts = write_artefacts(out_dir, records, a, b, budget=budget, title=label or "server overhead")
    ctx["artefacts"] = artefacts
    lat = latency_check(a, b, records, budget=budget, capacity=capacity, context=ctx)
    cpu = cpu_check(a, b, records, budget=budget, context=ctx)
    return ServerComparison(rate, records, lat, cpu, capacity, artefacts)
