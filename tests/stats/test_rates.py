"""The three-outcome rate check: exact size and power, confirmed by simulating 1,000 runs."""

import random

import pytest
from scipy import stats as sps

from harness.results import Verdict
from harness.stats import (
    decide_rate,
    familywise_level,
    holm,
    off_rates,
    power,
    sample_size,
    size,
    verdict_probabilities,
    wilson,
)

ALPHA, CHECKS = 0.05, 20
LEVEL = familywise_level(ALPHA, CHECKS)


def test_verdicts() -> None:
    assert decide_rate(1000, 10000, 0.1, 0.02, level=0.95).verdict is Verdict.PASS
    assert decide_rate(3000, 10000, 0.1, 0.02, level=0.95).verdict is Verdict.FAIL
    inconclusive = decide_rate(4, 30, 0.1, 0.02, level=0.95)
    assert inconclusive.verdict is Verdict.INCONCLUSIVE
    assert "precision reached" in inconclusive.summary("traces rate")
    assert decide_rate(30, 30, 0.1, 0.02, level=LEVEL).verdict is Verdict.FAIL  # rate 1.0 shows in 30 traces


def test_verdict_probabilities_sum_to_one() -> None:
    probs = verdict_probabilities(500, 0.12, 0.1, 0.02, level=LEVEL)
    assert sum(probs.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(("expected", "tolerance"), [(0.1, 0.02), (0.05, 0.02), (0.5, 0.05), (1.0, 0.02)])
def test_exact_size_and_power_hold_and_a_simulation_of_1000_runs_agrees(expected: float, tolerance: float) -> None:
    n = sample_size(expected, tolerance, level=LEVEL)
    exact_size = size(n, expected, tolerance, level=LEVEL)
    assert exact_size <= ALPHA / CHECKS
    rng = random.Random(20261129)
    runs = 1000
    right = sum(
        decide_rate(
            int(sps.binom.rvs(n, expected, random_state=rng.randrange(2**32))), n, expected, tolerance, level=LEVEL
        ).verdict
        is Verdict.FAIL
        for _ in range(runs)
    )
    # FAIL on the right rate in at most the stated false-alarm rate (per check: alpha / checks)
    assert right / runs <= ALPHA / CHECKS
    for off in off_rates(expected, tolerance):
        exact_power = power(n, expected, tolerance, off, level=LEVEL)
        assert exact_power >= 0.95
        caught = sum(
            decide_rate(
                int(sps.binom.rvs(n, off, random_state=rng.randrange(2**32))), n, expected, tolerance, level=LEVEL
            ).verdict
            is Verdict.FAIL
            for _ in range(runs)
        )
        # the simulation agrees with the exact power within its own sampling error (4 sigma)
        sigma = (exact_power * (1 - exact_power) / runs) ** 0.5
        assert caught / runs >= min(0.95, exact_power - 4 * sigma)
        assert abs(caught / runs - exact_power) <= 4 * sigma + 1e-9


def test_sample_size_is_minimal() -> None:
    n = sample_size(0.1, 0.02, level=LEVEL)
    assert all(power(n, 0.1, 0.02, r, level=LEVEL) >= 0.95 for r in off_rates(0.1, 0.02))
    assert any(power(n - 1, 0.1, 0.02, r, level=LEVEL) < 0.95 for r in off_rates(0.1, 0.02))


def test_familywise_level_and_holm() -> None:
    assert familywise_level(0.05, 20) == pytest.approx(0.9975)
    assert holm([0.001, 0.04, 0.03, 0.5], 0.05) == [True, False, False, False]
    assert holm([0.001, 0.01, 0.02], 0.05) == [True, True, True]
    with pytest.raises(ValueError, match="at least one"):
        familywise_level(0.05, 0)


def test_interval_level_is_recorded_in_evidence() -> None:
    d = decide_rate(10, 100, 0.1, 0.05, level=LEVEL)
    assert d.evidence["level"] == LEVEL
    assert d.evidence["interval"] == wilson(10, 100, LEVEL).as_list()


@pytest.mark.parametrize("expected", [0.1, 0.5])
def test_sample_size_with_a_pass_probability_makes_a_correct_rate_pass(expected: float) -> None:
    """Power alone leaves a correct 0.5 INCONCLUSIVE about one run in ten; the pass target removes that."""
    level = familywise_level(0.05, 6)
    plain = sample_size(expected, 0.02, level=level)
    sized = sample_size(expected, 0.02, level=level, pass_probability=0.99)
    assert sized > plain
    assert verdict_probabilities(sized, expected, expected, 0.02, level=level)[Verdict.PASS] >= 0.99


def test_a_rate_check_states_its_power_and_it_is_exact() -> None:
    """Each rate decision says, for its own n, how likely a correct rate passes and how likely one off by
    twice the tolerance fails: the same figures `verdict_probabilities` and `power` compute."""
    n, expected, tolerance, level = 102, 0.1, 0.2, 0.9917
    decision = decide_rate(10, n, expected, tolerance, level=level)
    stated = decision.evidence["power"]
    correct = verdict_probabilities(n, expected, expected, tolerance, level=level)
    assert stated["pass_if_correct"] == round(correct[Verdict.PASS], 4)
    assert stated["fail_if_off_twice"] == round(
        min(power(n, expected, tolerance, r, level=level) for r in off_rates(expected, tolerance)), 4
    )
    assert f"at n={n} a correct rate passes with P={stated['pass_if_correct']:.3f}" in decision.summary("rate")
    assert stated["fail_if_off_twice"] >= 0.95  # what sample_size was asked for
