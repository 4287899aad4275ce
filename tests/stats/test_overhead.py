"""Overhead intervals and verdicts on simulated latency blocks with known truth."""

import random

import numpy as np
import pytest

from harness.results import Verdict
from harness.stats.overhead import aa_coverage, decide_overhead, pair_ratios, quantile


def _blocks(rng: random.Random, pairs: int, factor: float, noise: float, size: int = 200) -> tuple[list, list]:
    """Lognormal latencies around 20 ms, with a per-block drift both sides share (what interleaving cancels)."""
    a, b = [], []
    for _ in range(pairs):
        drift = rng.lognormvariate(0, noise)
        a.append([20.0 * drift * rng.lognormvariate(0, 0.2) for _ in range(size)])
        b.append([20.0 * drift * factor * rng.lognormvariate(0, 0.2) for _ in range(size)])
    return a, b


def test_quantile_matches_numpy() -> None:
    xs = [random.Random(1).random() for _ in range(101)]
    for q in (0.0, 0.5, 0.95, 1.0):
        assert quantile(xs, q) == pytest.approx(float(np.quantile(xs, q)))


def test_five_percent_overhead_fails_a_two_percent_budget() -> None:
    a, b = _blocks(random.Random(5), pairs=12, factor=1.05, noise=0.05)
    d = decide_overhead(pair_ratios(a, b), budget=0.02)
    assert d.verdict is Verdict.FAIL
    assert d.interval.low > 1.02
    assert "+5" in d.summary("p50 latency") or "+4" in d.summary("p50 latency")


def test_no_overhead_with_low_noise_passes() -> None:
    a, b = _blocks(random.Random(6), pairs=12, factor=1.0, noise=0.05)
    assert decide_overhead(pair_ratios(a, b), budget=0.02).verdict is Verdict.PASS


def test_noise_larger_than_the_budget_is_inconclusive() -> None:
    rng = random.Random(7)
    a = [[20.0 * rng.lognormvariate(0, 0.1)] * 50 for _ in range(4)]
    b = [[20.0 * rng.lognormvariate(0, 0.1) * 1.02] * 50 for _ in range(4)]
    d = decide_overhead(pair_ratios(a, b), budget=0.02)
    assert d.verdict is Verdict.INCONCLUSIVE
    assert "resolution" in d.summary("p50 latency")


def test_aa_coverage_is_near_nominal() -> None:
    rng = random.Random(8)
    blocks = [[20.0 * rng.lognormvariate(0, 0.03) * rng.lognormvariate(0, 0.2) for _ in range(100)] for _ in range(24)]
    coverage = aa_coverage(blocks, splits=150, reps=500)
    assert 0.88 <= coverage <= 1.0


def test_input_errors() -> None:
    with pytest.raises(ValueError, match="same positive number"):
        pair_ratios([[1.0]], [])
    with pytest.raises(ValueError, match="at least two pairs"):
        decide_overhead([1.0])
