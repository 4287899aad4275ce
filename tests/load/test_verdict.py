"""The server checks decided from synthetic block records with a known truth (no load, no timing)."""

import random

from harness.load.records import BlockRecord
from harness.load.report import write_artefacts
from harness.load.verdict import CPU_CHECK, LATENCY_CHECK, cpu_check, latency_check
from harness.results import Verdict


def _block(
    index: int, arm: str, pair: int, latencies: list[float], cpu_seconds: float, seconds: float, rate: float
) -> BlockRecord:
    """A kept, measured block of 200 answered requests."""
    return BlockRecord(
        index=index,
        arm=arm,
        warmup=False,
        pair=pair,
        seconds=seconds,
        offered_rate=rate,
        latencies_ms=latencies,
        lags_ms=[0.1] * 200,
        sent=200,
        completed=200,
        errors=0,
        in_flight_at_end=0,
        loadgen_cpu_share=0.2,
        target_cpu_seconds=cpu_seconds,
    )


def _pairs(factor: float, cpu_factor: float, pairs: int = 10, seed: int = 1) -> tuple[list, list]:
    rng = random.Random(seed)
    a, b = [], []
    for pair in range(pairs):
        drift = rng.lognormvariate(0, 0.01)
        for arm, f, cf, out in (("A", 1.0, 1.0, a), ("B", factor, cpu_factor, b)):
            lat = [20.0 * drift * f * rng.lognormvariate(0, 0.1) for _ in range(200)]
            cpu = 200 * 2000e-6 * cf * rng.lognormvariate(0, 0.01)
            out.append(_block(2 * pair + (arm == "B"), arm, pair, lat, cpu, 5.0, 40.0))
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


def _rotation(cpu_us: dict[str, float], rounds: int, noise: float = 0.01, seed: int = 2) -> list[BlockRecord]:
    """Rotation rounds (one block per arm per round) with each arm's CPU per request as given."""
    rng = random.Random(seed)
    records = []
    for r in range(rounds):
        for arm, us in cpu_us.items():
            lat = [20.0 * rng.lognormvariate(0, 0.1) for _ in range(200)]
            cpu = 200 * us * 1e-6 * rng.lognormvariate(0, noise)
            records.append(_block(len(records), arm, r, lat, cpu, 2.5, 80.0))
    return records


def _attribution(cpu_us: dict[str, float], rounds: int = 4, **kwargs):
    from harness.load.attribution import Configuration, attribution_table, compare_configurations

    records = _rotation(cpu_us, rounds, **kwargs)
    configs = [Configuration(key, key) for key in cpu_us if key != "A"]
    return attribution_table(compare_configurations(records, configs, rate=80.0), records, {"target": "python-api"})


def test_attribution_ranks_by_added_cpu_and_says_what_the_rollback_removes() -> None:
    from harness.load.attribution import attribution_line

    table = _attribution({"A": 2000.0, "configured": 3300.0, "rollback": 2800.0, "traces-1": 5500.0})
    assert [r["arm"] for r in table["ranked"]] == ["traces-1", "configured", "rollback"]
    assert table["target"] == "python-api"
    assert 0.33 < table["rollback_share"]["estimate"] < 0.43  # 500 of 1300 µs
    low, high = table["rollback_share"]["interval"]
    assert low < table["rollback_share"]["estimate"] < high
    line = attribution_line(table)
    assert line.index("traces-1 +") < line.index("configured +") < line.index("rollback +")
    assert "+-" not in attribution_line(_attribution({"A": 2000.0, "configured": 1900.0, "rollback": 1900.0}))
    assert "The rollback (traces 0, profiles 0) removes 3" in line
    assert "% CI " in line


def test_attribution_names_what_was_not_measured_and_needs_two_complete_rounds_for_the_rollback() -> None:
    from harness.load.attribution import (
        CONFIGURED,
        ROLLBACK,
        attribution_line,
        attribution_table,
        compare_configurations,
    )

    records = _rotation({"A": 2000.0, "configured": 3300.0, "rollback": 2800.0}, rounds=3)
    for r in records:
        if r.arm == "rollback" and r.pair > 0:
            r.thrown_out = "other processes took 40% of the target's core"
    table = attribution_table(compare_configurations(records, (CONFIGURED, ROLLBACK), rate=80.0), records)
    assert table["rollback_share"] is None
    assert table["not_measured"] == ["rollback: traces 0, profiles 0"]
    assert table["ranked"][1]["thrown_out"] == ["other processes took 40% of the target's core"]
    line = attribution_line(table)
    assert "(not measured: rollback: traces 0, profiles 0)" in line
    assert "+None" not in line
    assert "removes" not in line


def test_rounds_where_the_sdk_added_no_cpu_are_counted_not_divided_by() -> None:
    table = _attribution({"A": 2000.0, "configured": 1900.0, "rollback": 1900.0})
    assert table["rounds_where_the_sdk_added_no_cpu"] == 4
    assert table["rollback_share"] is None
