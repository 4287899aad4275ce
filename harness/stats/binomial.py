"""Exact binomial probabilities and confidence intervals for a sampled proportion.

Pure Python (log-space pmf via ``lgamma``), so the harness needs no SciPy at run time; the tests
check every function against SciPy. Used for sampling-rate checks: "the SDK kept k of n traces".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float
    level: float
    method: str

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def as_list(self) -> list[float]:
        return [round(self.low, 6), round(self.high, 6)]


def _check(k: int, n: int) -> None:
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")


def log_pmf(k: int, n: int, p: float) -> float:
    _check(k, n)
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return log_choose + k * math.log(p) + (n - k) * math.log1p(-p)


def pmf(k: int, n: int, p: float) -> float:
    return math.exp(log_pmf(k, n, p))


def pmf_table(n: int, p: float) -> list[float]:
    """P(X = k) for k = 0..n, computed once (size and power sum over it)."""
    return [pmf(k, n, p) for k in range(n + 1)]


def cdf(k: int, n: int, p: float) -> float:
    """P(X <= k)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return min(1.0, math.fsum(pmf(i, n, p) for i in range(k + 1)))


def sf(k: int, n: int, p: float) -> float:
    """P(X >= k)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return min(1.0, math.fsum(pmf(i, n, p) for i in range(k, n + 1)))


def wilson(k: int, n: int, level: float = 0.95) -> Interval:
    """Wilson score interval: good coverage near 0 and 1, where sampling rates like 0.05 live."""
    _check(k, n)
    if n == 0:
        return Interval(0.0, 1.0, level, "wilson")
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    phat = k / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    spread = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return Interval(max(0.0, centre - spread), min(1.0, centre + spread), level, "wilson")


def _bisect(fn: object, target: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """p in [lo, hi] with fn(p) == target, for fn increasing in p (60 halvings: below 1e-15)."""
    assert callable(fn)
    for _ in range(60):
        mid = (lo + hi) / 2
        if fn(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def clopper_pearson(k: int, n: int, level: float = 0.95) -> Interval:
    """Exact (Clopper-Pearson) interval: never under-covers; wider than Wilson."""
    _check(k, n)
    if n == 0:
        return Interval(0.0, 1.0, level, "clopper-pearson")
    tail = (1 - level) / 2
    low = 0.0 if k == 0 else _bisect(lambda p: sf(k, n, p), tail)
    high = 1.0 if k == n else _bisect(lambda p: -cdf(k, n, p), -tail)
    return Interval(low, high, level, "clopper-pearson")


def interval(k: int, n: int, level: float = 0.95, method: str = "wilson") -> Interval:
    if method == "wilson":
        return wilson(k, n, level)
    if method in ("exact", "clopper-pearson"):
        return clopper_pearson(k, n, level)
    raise ValueError(f"unknown interval method {method!r}")
