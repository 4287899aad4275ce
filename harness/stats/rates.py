"""Three-outcome rate checks, their exact size and power, and the sample size they need.

A check compares an observed proportion (k of n) with a configured rate and a tolerance:

- PASS when the whole confidence interval lies inside ``[rate - tol, rate + tol]``;
- FAIL when the interval lies entirely outside that band;
- INCONCLUSIVE otherwise, reporting the precision reached.

So a correct set-up fails only when chance puts the interval wholly outside the band, which is far
rarer than excluding the rate itself; the interval's level is chosen per run (Bonferroni over the
run's rate checks, `familywise_level`) so the false-alarm rate is bounded for the whole run.
Size and power are computed exactly by summing binomial probabilities over every possible k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from harness.results import Verdict
from harness.stats.binomial import Interval, interval, pmf_table


@dataclass(frozen=True, slots=True)
class RateDecision:
    verdict: Verdict
    observed: float
    k: int
    n: int
    expected: float
    tolerance: float
    interval: Interval
    evidence: dict[str, Any] = field(default_factory=dict)

    def summary(self, what: str) -> str:
        band = f"{self.expected:g} ± {self.tolerance:g}"
        ci = f"[{self.interval.low:.4f}, {self.interval.high:.4f}]"
        lvl = f"{self.interval.level * 100:.4g}%"
        power = self.evidence.get("power")
        stated = (
            f" (at n={self.n} a correct rate passes with P={power['pass_if_correct']:.3f}; one off by"
            f" 2×{self.tolerance:g} fails with P≥{power['fail_if_off_twice']:.3f})"
            if power
            else ""
        )
        if self.verdict is Verdict.PASS:
            return f"{what} {self.observed:.4f} ({self.k}/{self.n}), {lvl} CI {ci} within {band}{stated}"
        if self.verdict is Verdict.FAIL:
            return f"{what} {self.observed:.4f} ({self.k}/{self.n}), {lvl} CI {ci} entirely outside {band}{stated}"
        return (
            f"{what} {self.observed:.4f} ({self.k}/{self.n}), {lvl} CI {ci} overlaps the edge of {band};"
            f" precision reached ±{self.interval.half_width:.4f}, more samples needed{stated}"
        )


def band(expected: float, tolerance: float) -> tuple[float, float]:
    return max(0.0, expected - tolerance), min(1.0, expected + tolerance)


def classify(ci: Interval, expected: float, tolerance: float) -> Verdict:
    lo, hi = band(expected, tolerance)
    if lo <= ci.low and ci.high <= hi:
        return Verdict.PASS
    if ci.high < lo or ci.low > hi:
        return Verdict.FAIL
    return Verdict.INCONCLUSIVE


def decide_rate(
    k: int, n: int, expected: float, tolerance: float, *, level: float = 0.95, method: str = "wilson"
) -> RateDecision:
    ci = interval(k, n, level, method)
    verdict = classify(ci, expected, tolerance)
    return RateDecision(
        verdict=verdict,
        observed=k / n if n else 0.0,
        k=k,
        n=n,
        expected=expected,
        tolerance=tolerance,
        interval=ci,
        evidence={
            "k": k,
            "n": n,
            "observed": round(k / n, 6) if n else None,
            "expected": expected,
            "tolerance": tolerance,
            "interval": ci.as_list(),
            "level": level,
            "method": method,
            **({"power": dict(stated_power(n, expected, tolerance, level=level, method=method))} if n else {}),
        },
    )


@cache
def stated_power(
    n: int, expected: float, tolerance: float, *, level: float, method: str = "wilson"
) -> dict[str, float]:
    """What a rate check of ``n`` samples promises, exactly (binomial): the probability that a correct rate
    PASSes, and the smallest probability that a rate off by twice the tolerance FAILs (a rate just at the
    band's edge cannot be told from a correct one by any n: 2× is the design point of `sample_size`)."""
    correct = verdict_probabilities(n, expected, expected, tolerance, level=level, method=method)
    off = [power(n, expected, tolerance, r, level=level, method=method) for r in off_rates(expected, tolerance)]
    # Cached: the same check design repeats (a simulation decides 1000 runs of one n); callers copy it.
    return {
        "pass_if_correct": round(correct[Verdict.PASS], 4),
        "fail_if_correct": round(correct[Verdict.FAIL], 6),
        "fail_if_off_twice": round(min(off), 4) if off else 0.0,
    }


def verdict_probabilities(
    n: int, true_rate: float, expected: float, tolerance: float, *, level: float, method: str = "wilson"
) -> dict[Verdict, float]:
    """Exact probability of each verdict when the true rate is ``true_rate`` and n are sampled."""
    probs = pmf_table(n, true_rate)
    out = dict.fromkeys((Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE), 0.0)
    for k, p in enumerate(probs):
        if p > 0:
            out[classify(interval(k, n, level, method), expected, tolerance)] += p
    return out


def size(n: int, expected: float, tolerance: float, *, level: float, method: str = "wilson") -> float:
    """False-alarm probability: P(FAIL) when the rate is exactly as configured."""
    return verdict_probabilities(n, expected, tolerance=tolerance, expected=expected, level=level, method=method)[
        Verdict.FAIL
    ]


def power(
    n: int, expected: float, tolerance: float, true_rate: float, *, level: float, method: str = "wilson"
) -> float:
    """P(FAIL) when the true rate is ``true_rate`` (e.g. twice the tolerance away)."""
    return verdict_probabilities(n, true_rate, expected, tolerance, level=level, method=method)[Verdict.FAIL]


def off_rates(expected: float, tolerance: float) -> list[float]:
    """The rates a check must catch: twice the tolerance away on each side, where that is a rate."""
    return [r for r in (expected - 2 * tolerance, expected + 2 * tolerance) if 0.0 <= r <= 1.0]


def sample_size(
    expected: float,
    tolerance: float,
    *,
    level: float,
    target_power: float = 0.95,
    pass_probability: float | None = None,
    method: str = "wilson",
    max_n: int = 200_000,
    against: Sequence[float] | None = None,
) -> int:
    """Smallest n whose exact power is at least ``target_power`` at every rate in `off_rates` (or in
    ``against``: the rates that must FAIL, e.g. the other rates a file declares, each outside the band).

    With ``pass_probability``, n must also make a correct set-up PASS (not merely not FAIL) with at
    least that probability: power alone leaves a correct rate INCONCLUSIVE often (one run in ten at
    0.5 ± 0.02 with six checks in the family), which would make a gate inconclusive for no fault.
    Power is not monotone in n for a discrete test, so after a doubling search finds a passing n,
    a bisection narrows it and the answer is re-checked exactly.
    """
    rates = off_rates(expected, tolerance) if against is None else list(against)
    if not rates:
        raise ValueError(f"no rate lies 2×{tolerance} away from {expected}")
    if any(abs(r - expected) <= tolerance for r in rates):
        raise ValueError(f"a rate within {expected} ± {tolerance} can never FAIL: {rates}")

    def passes(n: int) -> bool:
        if pass_probability is None:
            return True
        probs = verdict_probabilities(n, expected, expected, tolerance, level=level, method=method)
        return probs[Verdict.PASS] >= pass_probability

    def ok(n: int) -> bool:
        powerful = all(power(n, expected, tolerance, r, level=level, method=method) >= target_power for r in rates)
        return powerful and passes(n)

    hi = 16
    while not ok(hi):
        hi *= 2
        if hi > max_n:
            raise ValueError(f"more than {max_n} samples needed for ±{tolerance} at {expected}")
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def familywise_level(alpha: float, checks: int) -> float:
    """Per-check confidence level that bounds the run's false-alarm rate by ``alpha`` (Bonferroni)."""
    if checks < 1:
        raise ValueError("a run has at least one check")
    return 1 - alpha / checks


def holm(p_values: list[float], alpha: float) -> list[bool]:
    """Holm's step-down: which hypotheses to reject, controlling the familywise error at ``alpha``."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    reject = [False] * len(p_values)
    m = len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] <= alpha / (m - rank):
            reject[i] = True
        else:
            break
    return reject
