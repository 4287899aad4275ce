"""harness.stats.binomial against SciPy, the reference implementation."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from harness.stats import cdf, clopper_pearson, pmf, sf, wilson


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 3000), data=st.data(), p=st.floats(0.001, 0.999))
def test_pmf_cdf_sf_match_scipy(n: int, data: st.DataObject, p: float) -> None:
    k = data.draw(st.integers(0, n))
    assert pmf(k, n, p) == pytest.approx(sps.binom.pmf(k, n, p), rel=1e-9, abs=1e-300)
    assert cdf(k, n, p) == pytest.approx(sps.binom.cdf(k, n, p), rel=1e-9, abs=1e-12)
    assert sf(k, n, p) == pytest.approx(sps.binom.sf(k - 1, n, p), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 10), (10, 10), (37, 400), (610, 6041), (3, 5000)])
@pytest.mark.parametrize("level", [0.95, 0.9975])
def test_clopper_pearson_matches_scipy_beta_quantiles(k: int, n: int, level: float) -> None:
    tail = (1 - level) / 2
    ci = clopper_pearson(k, n, level)
    low = 0.0 if k == 0 else sps.beta.ppf(tail, k, n - k + 1)
    high = 1.0 if k == n else sps.beta.ppf(1 - tail, k + 1, n - k)
    assert ci.low == pytest.approx(low, abs=1e-9)
    assert ci.high == pytest.approx(high, abs=1e-9)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (5, 10), (10, 10), (37, 400), (610, 6041)])
def test_wilson_matches_statsmodels_formula_via_scipy_normal(k: int, n: int) -> None:
    z = sps.norm.ppf(0.975)
    phat = k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    spread = z * ((phat * (1 - phat) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    ci = wilson(k, n, 0.95)
    assert ci.low == pytest.approx(max(0, centre - spread), abs=1e-12)
    assert ci.high == pytest.approx(min(1, centre + spread), abs=1e-12)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson(5, 3)
