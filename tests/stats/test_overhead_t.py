"""Student's t interval over pairs (the load gate's method) and per-block value ratios."""

import random

import numpy as np
import pytest
from scipy import stats

from harness.results import Verdict
from harness.stats.overhead import (
    aa_coverage,
    decide_overhead,
    mean_interval,
    t_interval,
    t_quantile,
    value_ratios,
)


@pytest.mark.parametrize("df", [1, 2, 3, 5, 11, 30])
def test_t_quantile_matches_scipy(df: int) -> None:
    assert t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), rel=3e-3)
    assert t_quantile(0.9, df) == pytest.approx(stats.t.ppf(0.9, df), rel=3e-3)


def test_mean_interval_matches_scipy_and_allows_differences_at_or_below_zero() -> None:
    diffs = [0.05, -0.01, 0.02, 0.0, 0.03]
    ci = mean_interval(diffs)
    low, high = stats.t.interval(0.95, len(diffs) - 1, loc=np.mean(diffs), scale=stats.sem(diffs))
    assert (ci.low, ci.high) == (pytest.approx(low, rel=3e-3), pytest.approx(high, rel=3e-3))
    assert ci.method == "t-pairs"
    with pytest.raises(ValueError, match="at least two"):
        mean_interval([0.1])


def test_t_interval_is_wider_than_the_normal_one_for_few_pairs() -> None:
    ratios = [1.01, 0.99, 1.02, 0.98, 1.0]
    ci = t_interval(ratios)
    assert ci.method == "t-pairs"
    assert ci.low < 1.0 < ci.high
    assert ci.half_width > 1.96 * 0.0158 / 5**0.5 * 0.99


def test_decide_with_t_method() -> None:
    assert decide_overhead([1.05, 1.06, 1.04, 1.05], method="t").verdict is Verdict.FAIL
    assert decide_overhead([1.0, 1.001, 0.999, 1.0], method="t").verdict is Verdict.PASS


def test_value_ratios() -> None:
    assert value_ratios([2.0, 4.0], [3.0, 4.0]) == [1.5, 1.0]
    with pytest.raises(ValueError, match="positive"):
        value_ratios([0.0], [1.0])
    with pytest.raises(ValueError, match="same positive number"):
        value_ratios([1.0], [])


def test_t_coverage_from_aa_blocks_is_near_nominal() -> None:
    rng = random.Random(11)
    blocks = [[20.0 * rng.lognormvariate(0, 0.03) * rng.lognormvariate(0, 0.2) for _ in range(80)] for _ in range(16)]
    assert aa_coverage(blocks, splits=150, method="t") >= 0.88
