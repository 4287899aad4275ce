"""Server-side performance gate (the ``load`` profile): Sentry's cost to each bundled target's server.

For each target: capacity of both arms at saturation, then interleaved blocks (ABBA…) at a fixed
arrival rate, each of the settings' ``load.rate_fractions`` (default 0.5; e.g. ``0.5,0.8``) of the baseline's
capacity, decided as non-inferiority against ``load.budget`` (default 0.02):
``performance.overhead.server-latency`` (median-latency ratio) and ``performance.overhead.server-cpu``
(CPU µs per request). With the first rate fraction, attribution on each target: the baseline and
every SDK configuration (one switch changed at a time) side by side in rotation rounds, ranked by
added CPU per request, in the CPU check's evidence and summary (``harness.load.attribution``). Baseline = no DSN;
instrumented = the mode's real configuration (``load.environment``, default production) sending
to an ingest started for the run. The verdict is whatever the measurement says: the hardened
reference target may honestly FAIL a 2% budget, and the evidence says by how much.

Knobs (`harness.settings.LoadSettings`, defaults sized for the 10-minute ``load`` profile; the variable
that sets each is in `harness.settings.VARIABLES`): ``pairs`` (8), ``block_seconds`` (4), ``spotify_ms``
(20), ``attribution`` (on), ``attribution_fraction`` (0.3 of the baseline's capacity), ``targets``
(default: the run's ``bundled:<name>``, else both bundled targets).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.common.prerequisites import unavailable
from harness.load.attribution import arm_specs, attribution_line, attribution_table, configurations, measure_attribution
from harness.load.compare import ServerComparison, compare_arms
from harness.load.rig import arms_rig, server_rig
from harness.load.runner import BlockSettings, Capacity
from harness.settings import Settings
from harness.targets.launcher import TargetUnavailable
from harness.targets.selection import selected_targets

if TYPE_CHECKING:
    from harness.recorder import CheckRecorder
    from harness.results import CheckResult

SETTINGS = Settings.from_environ()
LOAD = SETTINGS.load
TARGETS = selected_targets(SETTINGS, LOAD.targets)
ENVIRONMENT = LOAD.environment
BUDGET = LOAD.budget
RATE_FRACTIONS = list(LOAD.rate_fractions)
PAIRS = LOAD.pairs
BLOCK_SECONDS = LOAD.block_seconds
SPOTIFY_MS = LOAD.spotify_ms
ATTRIBUTION = LOAD.attribution
# Below every configuration's own capacity (traces 1.0 halves some), so no arm saturates and CPU per request compares.
ATTRIBUTION_FRACTION = LOAD.attribution_fraction

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = [
    pytest.mark.needs("bundled", "traffic.requests"),
    pytest.mark.slow,
    pytest.mark.xdist_group("server-overhead"),
]


def _artefact_dir(request: pytest.FixtureRequest, factory: pytest.TempPathFactory, name: str) -> Path:
    """Beside the run's results (``reports/<run>/performance/...``) when the gate runs us; else a tmp dir."""
    results = request.config.getoption("gate_results", default=None)
    if not results:
        return factory.mktemp(name)
    out = Path(results).parent / "performance" / name
    out.mkdir(parents=True, exist_ok=True)
    return out


_CAPACITY: dict[str, Capacity] = {}  # each target's capacity, measured once for all its rate fractions


@pytest.fixture(
    scope="module", params=[(t, f) for t in TARGETS for f in RATE_FRACTIONS], ids=lambda p: f"{p[0]}-{p[1]:g}"
)
def server_comparison(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ServerComparison:
    """One measurement per target and rate fraction, shared by its latency and CPU checks."""
    target, fraction = request.param
    out = _artefact_dir(request, tmp_path_factory, f"server-{target}-{fraction:g}")
    settings = BlockSettings(pairs=PAIRS, seconds=BLOCK_SECONDS, warmup_seconds=3.0)
    try:
        with server_rig(target, out / "logs", environment=ENVIRONMENT, spotify_latency_ms=SPOTIFY_MS) as rig:
            result = compare_arms(
                rig.arms(),
                out,
                settings=settings,
                rate_fraction=fraction,
                capacity_seconds=4.0,
                capacity=_CAPACITY.get(target),
                budget=BUDGET,
                load_cpu=rig.cores.load,
                target_cpu=rig.cores.target,
                context=rig.describe(),
                label=f"{target}: Sentry off (A) vs {ENVIRONMENT} configuration (B)",
            )
    except TargetUnavailable as exc:
        unavailable(str(exc))
        raise AssertionError("unreachable") from exc
    if result.capacity is not None:
        _CAPACITY.setdefault(target, result.capacity)
    if ATTRIBUTION and fraction == RATE_FRACTIONS[0]:
        result.cpu = _with_attribution(result.cpu, _attribution(target, request, tmp_path_factory))
    return result


def _attribution(target: str, request: pytest.FixtureRequest, factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The baseline and every configuration side by side in rotation rounds (harness.load.attribution)."""
    out = _artefact_dir(request, factory, f"attribution-{target}")
    capacity = _CAPACITY.get(target)
    rate = round(ATTRIBUTION_FRACTION * capacity.a_per_second, 1) if capacity and capacity.a_per_second else 40.0
    configs = configurations(target)
    specs = arm_specs(configs)
    with arms_rig(target, out / "logs", specs, environment=ENVIRONMENT, spotify_latency_ms=SPOTIFY_MS) as rig:
        measured, records = measure_attribution(
            rig.arms(), configs, out, rate=rate, budget=BUDGET, load_cpu=rig.cores.load, target_cpu=rig.cores.target
        )
        context = {
            "arms": rig.describe()["arms"],
            "rate_per_s": rate,
            "rate_fraction_of_capacity": ATTRIBUTION_FRACTION,
        }
    return attribution_table(measured, records, {**context, "blocks_csv": str(out / "blocks.csv")})


def _with_attribution(cpu: CheckResult, table: dict[str, Any]) -> CheckResult:
    """The CPU check, with where its cost comes from in its evidence and summary (its verdict unchanged)."""
    return dataclasses.replace(
        cpu, summary=f"{cpu.summary}. {attribution_line(table)}", evidence={**cpu.evidence, "attribution": table}
    )


def test_server_latency(server_comparison: ServerComparison, gate_check: CheckRecorder) -> None:
    gate_check(server_comparison.latency)


def test_server_cpu(server_comparison: ServerComparison, gate_check: CheckRecorder) -> None:
    gate_check(server_comparison.cpu)
