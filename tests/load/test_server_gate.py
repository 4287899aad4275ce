"""The server-side gate against real targets under real Locust: the mutant must FAIL, A/A must not.

Short blocks (these are self-tests; the full-size run is ``harness/suites/performance``). Every verdict asserted
here is for an effect at least three resolutions (interval half-widths) away from the threshold it is
judged against, on any CPU, so a correct build fails these tests only by a many-sigma accident; how
often the gate decides a *small* effect near the 2% budget is a benchmark's question
(``benchmarks/overhead_calibration.py``, figures in ``docs/performance.md``), never a unit test's.

The mutant ``slow-traces-sampler`` busy-waits the app's ``MUTANT_DELAY_MS`` variable per sampling decision at traces
rate 1.0. A fixed delay is a different share of a request on every CPU (1 ms was 5-7% of a request on
one machine and 3.5-4.2% on another, straddling the 2% budget half the time), so the test first
measures the hardened arm's own median service time under the same load and sizes the busy-wait at
``MUTANT_SHARE`` of it. Its comparison side is the same target *without* the mutant (same DSN
configuration, traces 1.0): the SDK's own cost then cancels and the check sees only the defect, which
is what "the check catches this mutant" means.

The A/A runs (the same configuration twice) have a known truth, ratio 1, and are judged against
``AA_BUDGET``: at the gate's real 2% budget the truth lies within one resolution of the threshold,
and a unit test must not assert a verdict there. The distributed test runs the A/A comparison through
Locust's master and two local workers and expects the same verdict form.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from harness.load.compare import ServerComparison, compare_arms
from harness.load.rig import ArmSpec, ServerRig, arms_rig, server_rig
from harness.load.runner import BlockSettings, measure_service_ms
from harness.load.verdict import CPU_CHECK, LATENCY_CHECK
from harness.recorder import CheckRecorder
from harness.results import Verdict
from harness.settings import AppVariables

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.slow, pytest.mark.exclusive]

TRACES_FULL = {"SENTRY_TRACES_SAMPLE_RATE": "1.0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}
RATE = 30.0  # well below the Python twin's capacity (~200/s at traces 1.0 on one core)
SPOTIFY_MS = 12  # + the route's own ~6-8 ms: a journey of ~18-20 ms

# The mutant's busy-wait as a share of the hardened arm's measured median service time. With 12 pairs of
# 2 s the median ratio's 95% half-width has been 2.3-2.8% on the machines this project runs on, so a
# ~15% effect sits 13 points, about five resolutions, above the 2% budget. FAIL needs the interval's
# lower bound above 1.02: with the t interval (11 df, half-width = 2.20 SE, SE <= 1.3%) the estimate
# would have to fall 9.8 SE below its expectation, a probability below 1e-9 on a correct build.
MUTANT_SHARE = 0.15

# The A/A runs' budget: at least three of their resolutions (8 pairs: half-width <= ~3.5%) above the
# truth, ratio 1. A false FAIL needs the interval's lower bound above 1.12, an estimate more than
# 12/1.5 - 2.36 = 5.6 SE above 1 (t, 7 df): a probability of about 4e-4 per run on a correct build.
AA_BUDGET = 0.12


def _skip_if_the_machine_took_the_core(result: ServerComparison) -> None:
    """A run whose blocks were mostly thrown out because other processes used the target's core measured
    the machine, not the target: that is an environment problem, said as such, not a verdict on the gate.
    (The throw-out rule itself is unit-tested in test_records.py.)"""
    latency = result.latency
    thrown = [t["reason"] for t in latency.evidence.get("thrown_out", []) if not t.get("warmup")]
    busy = [r for r in thrown if "other processes took" in r]
    measured = max(1, int(latency.evidence.get("blocks_measured", len(thrown))))
    if latency.verdict is Verdict.INCONCLUSIVE and len(busy) * 2 > measured:
        pytest.skip(f"machine saturated by other work: {len(busy)} of {measured} blocks thrown out ({busy[0]})")


def _named_ratio(message: str) -> float:
    """The measured ratio the failure names (``… ratio B/A 1.0657 (95% CI …``)."""
    found = re.search(r"ratio B/A (\d+\.\d{4}) ", message)
    assert found, message
    return float(found.group(1))


def _compare(
    tmp_path: Path, baseline: ArmSpec, instrumented: ArmSpec, settings: BlockSettings, budget: float
) -> ServerComparison:
    """The gate's A/B comparison on the Python twin against the fake Spotify's fixed latency."""
    with server_rig(
        "python-api", tmp_path / "logs", baseline=baseline, instrumented=instrumented, spotify_latency_ms=SPOTIFY_MS
    ) as rig:
        return compare_arms(
            rig.arms(),
            tmp_path,
            settings=settings,
            rate=RATE,
            budget=budget,
            load_cpu=rig.cores.load,
            target_cpu=rig.cores.target,
        )


def test_slow_traces_sampler_fails_the_latency_budget(tmp_path: Path) -> None:
    hardened = ArmSpec(sentry=True, env=TRACES_FULL)
    with arms_rig("python-api", tmp_path / "logs", {"baseline": hardened}, spotify_latency_ms=SPOTIFY_MS) as rig:
        baseline = rig.arms()["baseline"]
        service_ms = measure_service_ms(
            baseline, tmp_path / "service", RATE, load_cpu=rig.cores.load, target_cpu=rig.cores.target
        )
        delay_ms = round(MUTANT_SHARE * service_ms, 2)
        env = {**TRACES_FULL, AppVariables.MUTANT_DELAY_MS: str(delay_ms)}
        rig.start_arm("instrumented", ArmSpec(sentry=True, mutant="slow-traces-sampler", env=env))
        print(f"hardened median {service_ms:.2f} ms: the mutant busy-waits {delay_ms} ms per request")
        result = compare_arms(
            ServerRig(rig).arms(),
            tmp_path,
            settings=BlockSettings(pairs=12, seconds=2.0, warmup_seconds=2.0, drain_seconds=0.5),
            rate=RATE,
            load_cpu=rig.cores.load,
            target_cpu=rig.cores.target,
        )
    _skip_if_the_machine_took_the_core(result)
    latency = result.latency
    print(latency.summary, result.cpu.summary, sep="\n")
    assert latency.verdict is Verdict.FAIL, latency.summary
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(latency)
    message = str(failed.value)
    estimate = latency.evidence["median_ratio"]["estimate"]
    assert LATENCY_CHECK in message
    assert _named_ratio(message) == pytest.approx(estimate, abs=1.5e-4)  # evidence rounds to 5 places
    assert estimate > 1.02
    # the busy-wait is CPU (and the hardened arm's CPU per request is below its service time, most of
    # which is the fake Spotify's wait): the CPU check fails too, naming its ratio
    cpu = result.cpu
    assert cpu.verdict is Verdict.FAIL, cpu.summary
    assert cpu.evidence["added_cpu_us_per_request"] > 500 * delay_ms  # half the busy-wait, at least
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(cpu)
    assert CPU_CHECK in str(failed.value)
    assert _named_ratio(str(failed.value)) == pytest.approx(cpu.evidence["cpu_ratio"]["estimate"], abs=1.5e-4)


def test_aa_run_does_not_fail(tmp_path: Path) -> None:
    same = ArmSpec(sentry=True, env=TRACES_FULL)
    result = _compare(
        tmp_path, same, same, BlockSettings(pairs=8, seconds=2.0, warmup_seconds=2.0, drain_seconds=0.5), AA_BUDGET
    )
    assert (tmp_path / "blocks.csv").read_text().count("\n") == 2 + 16 + 1  # header, 2 warm-up, 16 measured
    _skip_if_the_machine_took_the_core(result)
    assert result.latency.verdict is not Verdict.FAIL, result.latency.summary
    assert result.latency.evidence["pairs_kept"] >= 2, result.latency.summary
    assert (tmp_path / "latency.png").exists()


def test_distributed_master_and_two_workers_give_the_same_verdict_form(tmp_path: Path) -> None:
    same = ArmSpec(sentry=False)
    result = _compare(
        tmp_path,
        same,
        same,
        BlockSettings(pairs=3, seconds=2.0, warmup_seconds=1.0, workers=2, drain_seconds=0.5),
        AA_BUDGET,
    )
    assert sorted(p.name for p in (tmp_path / "blocks").glob("block-002-w*.csv")) == [
        "block-002-w0.csv",
        "block-002-w1.csv",
    ]
    # each worker sent its half of every arrival stream, on one timetable
    assert sum(r.sent for r in result.records if r.index == 2) == pytest.approx(RATE * 2.0, abs=2)
    assert result.latency.evidence["load_workers"] == 2
    _skip_if_the_machine_took_the_core(result)
    # Three pairs (2 df, t = 4.30, heavy tails) are for the verdict's form through master and workers,
    # not its precision: which verdict it reaches is test_aa_run_does_not_fail's question, asked with
    # enough pairs. Nothing here depends on timing, so a correct build does not fail it.
    latency = result.latency
    assert latency.check_id == LATENCY_CHECK
    assert latency.verdict in set(Verdict), latency.summary
    assert {"median_ratio", "p95_ratio", "a_median_ms", "b_median_ms", "thrown_out"} <= set(latency.evidence)
