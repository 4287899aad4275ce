"""The server checks decided from synthetic block records with a known truth (no load, no timing)."""

import random

from harness.load.records import BlockRecord
from harness.load.report import write_artefacts
from harness.load.verdict import CPU_CHECK, LATENCY_CHECK, cpu_check, latency_check
from harness.results import Verdict


def _pairs(factor: float, cpu_factor: float, pairs: int = 10, seed: int = 1) -> tuple[list, list]:
    rng = random.Random(seed)
    a, b = [], []
    for pair in range(pairs):
        drift = rng.lognormvariate(0, 0.01)
        for arm, f, cf, out in (("A", 1.0, 1.0, a), ("B", factor, cpu_factor, b)):
            lat = [20.0 * drift * f * rng.lognormvariate(0, 0.1) for _ in range(200)]
            out.append(
                BlockRecord(
                    index=2 * pair + (arm == "B"),
                    arm=arm,
                    warmup=False,
                    pair=pair,
                    seconds=5.0,
                    offered_rate=40.0,
                    latencies_ms=lat,
                    lags_ms=[0.1] * 200,
                    sent=200,
                    completed=200,
                    errors=0,
                    in_flight_at_end=0,
                    loadgen_cpu_share=0.2,
                    target_cpu_seconds=200 * 2000e-6 * cf * rng.lognormvariate(0, 0.01),
                )
            )
    return a, b


def test_five_percent_slower_fails_and_names_the_ratio() -> None:
    a, b = _pairs(1.05, 1.3)
    result = latency_check(a, b, a + b, budget=0.02)
    assert result.verdict is Verdict.FAIL
    assert result.check_id == LATENCY_CHECK
    assert "median latency ratio B/A 1.0" in result.summary
    ev = result.evidence
    assert 1.03 < ev["median_ratio"]["estimate"] < 1.07
    assert ev["median_ratio"]["interval"][0] > 1.02
    assert ev["b_median_ms"] > ev["a_median_ms"]
    assert {"a_p95_ms", "b_p95_ms", "p95_ratio", "pairs_kept", "thrown_out"} <= set(ev)
    cpu = cpu_check(a, b, a + b, budget=0.02)
    assert cpu.verdict is Verdict.FAIL
    assert cpu.check_id == CPU_CHECK
    assert cpu.evidence["added_cpu_us_per_request"] > 400


def test_equal_sides_pass() -> None:
    a, b = _pairs(1.0, 1.0)
    assert latency_check(a, b, a + b, budget=0.02).verdict is Verdict.PASS
    assert cpu_check(a, b, a + b, budget=0.02).verdict is Verdict.PASS


def test_too_few_pairs_is_inconclusive_with_the_reasons() -> None:
    a, b = _pairs(1.0, 1.0, pairs=1)
    a[0].thrown_out = "load generator at 97% of its core"
    result = latency_check([], [], a + b)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "load generator at 97%" in result.summary


def test_no_cpu_figures_for_an_external_deployment_skips() -> None:
    a, b = _pairs(1.0, 1.0, pairs=3)
    for r in a + b:
        r.target_cpu_seconds = None
    assert cpu_check(a, b, a + b).verdict is Verdict.SKIPPED


def test_artefacts_are_written(tmp_path) -> None:
    a, b = _pairs(1.05, 1.0, pairs=3)
    paths = write_artefacts(tmp_path, a + b, a, b, budget=0.02, title="t")
    assert (tmp_path / "latency.png").read_bytes()[:4] == b"\x89PNG"
    assert paths["blocks_csv"].endswith("blocks.csv")
    assert len((tmp_path / "latencies.csv").read_text().splitlines()) == 1 + 6 * 200


def test_attribution_ranks_by_added_cpu_and_names_what_was_not_measured() -> None:
    from harness.load.attribution import ATTRIBUTION_CHECK, attribution_result
    from harness.load.compare import ServerComparison

    def comparison(cpu_factor: float, pairs: int) -> ServerComparison:
        a, b = _pairs(1.01, cpu_factor, pairs=pairs)
        return ServerComparison(40.0, a + b, latency_check(a, b, a + b), cpu_check(a, b, a + b))

    measured = [("small", comparison(1.1, 4)), ("big", comparison(1.5, 4)), ("none", comparison(1.0, 1))]
    result = attribution_result("python-api", measured)
    assert result.check_id == ATTRIBUTION_CHECK
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.summary.index("big") < result.summary.index("small")
    assert "not decided: none" in result.summary
    assert "+None" not in result.summary
    assert [r["configuration"] for r in result.evidence["table"]][:2] == ["big", "small"]
    assert "SENTRY_TRACING=off" in str(result.evidence["not_measured_for_lack_of_a_switch"])
