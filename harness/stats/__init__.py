"""Statistics the gate decides with: binomial intervals, three-outcome rate checks, sample sizes."""

from harness.stats.binomial import Interval, cdf, clopper_pearson, interval, pmf, sf, wilson
from harness.stats.overhead import OverheadDecision, aa_coverage, decide_overhead, pair_ratios, quantile
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
    "OverheadDecision",
    "RateDecision",
    "aa_coverage",
    "cdf",
    "classify",
    "clopper_pearson",
    "decide_overhead",
    "decide_rate",
    "familywise_level",
    "holm",
    "interval",
    "off_rates",
    "pair_ratios",
    "pmf",
    "power",
    "quantile",
    "sample_size",
    "sf",
    "size",
    "verdict_probabilities",
    "wilson",
]
