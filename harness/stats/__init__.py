"""Statistics the gate decides with: binomial intervals, three-outcome rate checks, sample sizes."""

from harness.stats.binomial import Interval, cdf, clopper_pearson, interval, pmf, sf, wilson
from harness.stats.rates import (
    RateDecision,
    classify,
    decide_rate,
    familywise_level,
    holm,
    off_rates,
    power,
    sample_size,
    size,
    verdict_probabilities,
)

__all__ = [
    "Interval",
    "RateDecision",
    "cdf",
    "classify",
    "clopper_pearson",
    "decide_rate",
    "familywise_level",
    "holm",
    "interval",
    "off_rates",
    "pmf",
    "power",
    "sample_size",
    "sf",
    "size",
    "verdict_probabilities",
    "wilson",
]
