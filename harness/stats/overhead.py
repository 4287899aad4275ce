"""Overhead as a ratio with a confidence interval over interleaved blocks, decided as non-inferiority.

A load test runs baseline (A) and instrumented (B) in interleaved blocks (ABBA…), so slow drifts of
the machine hit both sides alike. Each A/B pair gives a ratio of a latency quantile; the overhead
estimate is the geometric mean of those ratios, and its interval comes from a bootstrap over pairs
(blocks are the independent units, requests within a block are not).

Verdict against a budget b (default 2%): PASS when the interval's upper end is at most 1 + b; FAIL
when its lower end is above 1 + b; otherwise INCONCLUSIVE, with the half-width reached.

Two interval methods: ``bootstrap`` (percentile bootstrap over pairs) and ``t`` (Student's t on the
mean log ratio). With the few pairs a short load test yields (6-20), the percentile bootstrap is too
narrow (it has no small-sample correction: its coverage falls to ~85% at 6 pairs), so the load gate
uses ``t``; ``aa_coverage`` estimates either one's real coverage from recorded A/A blocks.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from harness.results import Verdict
from harness.stats.binomial import Interval


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (NumPy's default, "type 7")."""
    if not values:
        raise ValueError("quantile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must lie within 0..1")
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def pair_ratios(
    a_blocks: Sequence[Sequence[float]], b_blocks: Sequence[Sequence[float]], q: float = 0.5
) -> list[float]:
    """Per-pair ratio of the q-quantile: B over A (1.03 means B is 3% slower)."""
    if len(a_blocks) != len(b_blocks) or not a_blocks:
        raise ValueError("need the same positive number of A and B blocks")
    return [quantile(b, q) / quantile(a, q) for a, b in zip(a_blocks, b_blocks, strict=True)]


def value_ratios(a_values: Sequence[float], b_values: Sequence[float]) -> list[float]:
    """Per-pair ratio of one figure per block (CPU µs per request, throughput): B over A."""
    if len(a_values) != len(b_values) or not a_values:
        raise ValueError("need the same positive number of A and B values")
    if any(v <= 0 for v in (*a_values, *b_values)):
        raise ValueError("ratios need positive values")
    return [b / a for a, b in zip(a_values, b_values, strict=True)]


def t_quantile(p: float, df: int) -> float:
    """Student's t quantile by the Cornish-Fisher expansion (Abramowitz & Stegun 26.7.5).

    Within 0.3% of the exact value for df >= 3 at the levels used here (exact for df 1 and 2); keeps
    SciPy out of the harness's run-time dependencies."""
    if df < 1:
        raise ValueError("df must be at least 1")
    # Closed forms where the expansion is poor (11% low at df 1, 0.8% at df 2): three rounds give df 2.
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    v = float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


def t_interval(ratios: Sequence[float], *, level: float = 0.95) -> Interval:
    """Student's t interval of the geometric mean of ``ratios`` (pairs as the independent units): the
    mean interval of their logs, taken back to ratios."""
    logs = mean_interval([math.log(r) for r in ratios], level=level)
    return Interval(math.exp(logs.low), math.exp(logs.high), level, "t-pairs")


def mean_interval(values: Sequence[float], *, level: float = 0.95) -> Interval:
    """Student's t interval of the mean of paired differences (which, unlike ratios, may be 0 or less)."""
    if len(values) < 2:
        raise ValueError("an interval needs at least two pairs")
    n = len(values)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in values) / (n - 1))
    half = t_quantile(1 - (1 - level) / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean - half, mean + half, level, "t-pairs")


Method = Literal["bootstrap", "t"]


def ratio_interval(
    ratios: Sequence[float], *, method: Method = "bootstrap", level: float = 0.95, reps: int = 4000, seed: int = 0
) -> Interval:
    if method == "t":
        return t_interval(ratios, level=level)
    return bootstrap_interval(ratios, level=level, reps=reps, seed=seed)


def geometric_mean(values: Sequence[float]) -> float:
    return math.exp(math.fsum(math.log(v) for v in values) / len(values))


def bootstrap_interval(ratios: Sequence[float], *, level: float = 0.95, reps: int = 4000, seed: int = 0) -> Interval:
    """Percentile bootstrap of the geometric mean of ``ratios`` (resampling pairs)."""
    if len(ratios) < 2:
        raise ValueError("a bootstrap needs at least two pairs")
    rng = random.Random(seed)
    logs = [math.log(r) for r in ratios]
    n = len(logs)
    means = sorted(math.fsum(rng.choice(logs) for _ in range(n)) / n for _ in range(reps))
    tail = (1 - level) / 2
    low = means[max(0, math.floor(tail * reps))]
    high = means[min(reps - 1, math.ceil((1 - tail) * reps) - 1)]
    return Interval(math.exp(low), math.exp(high), level, "bootstrap-pairs")


@dataclass(frozen=True, slots=True)
class OverheadDecision:
    verdict: Verdict
    estimate: float
    interval: Interval
    budget: float
    pairs: int

    @property
    def resolution(self) -> float:
        """Half-width of the interval, in ratio units (0.01 = ±1%)."""
        return self.interval.half_width

    def summary(self, what: str) -> str:
        pct = (self.estimate - 1) * 100
        lo, hi = (self.interval.low - 1) * 100, (self.interval.high - 1) * 100
        base = (
            f"{what} overhead {pct:+.2f}% ({self.interval.level * 100:.0f}% CI {lo:+.2f}%..{hi:+.2f}%,"
            f" {self.pairs} block pairs) against a budget of {self.budget * 100:g}%"
        )
        if self.verdict is Verdict.INCONCLUSIVE:
            return base + f"; resolution ±{self.resolution * 100:.2f}% is not enough to decide"
        return base


def decide_overhead(
    ratios: Sequence[float],
    *,
    budget: float = 0.02,
    level: float = 0.95,
    seed: int = 0,
    reps: int = 4000,
    method: Method = "bootstrap",
) -> OverheadDecision:
    ci = ratio_interval(ratios, method=method, level=level, seed=seed, reps=reps)
    limit = 1 + budget
    if ci.high <= limit:
        verdict = Verdict.PASS
    elif ci.low > limit:
        verdict = Verdict.FAIL
    else:
        verdict = Verdict.INCONCLUSIVE
    return OverheadDecision(verdict, geometric_mean(ratios), ci, budget, len(ratios))


def aa_coverage(
    blocks: Sequence[Sequence[float]],
    *,
    q: float = 0.5,
    level: float = 0.95,
    splits: int = 200,
    seed: int = 0,
    reps: int = 1000,
    method: Method = "bootstrap",
) -> float:
    """Estimated coverage of the interval from A/A data: share of random A/B splits whose CI holds 1.0.

    The blocks all come from the same configuration, so the true ratio is 1; each split permutes
    the blocks and pairs the first half with the second.
    """
    if len(blocks) < 4:
        raise ValueError("A/A coverage needs at least four blocks")
    rng = random.Random(seed)
    half = len(blocks) // 2
    hits = 0
    for i in range(splits):
        order = list(range(len(blocks)))
        rng.shuffle(order)
        a = [blocks[j] for j in order[:half]]
        b = [blocks[j] for j in order[half : 2 * half]]
        ci = ratio_interval(pair_ratios(a, b, q), method=method, level=level, reps=reps, seed=seed + i)
        hits += ci.low <= 1.0 <= ci.high
    return hits / splits
