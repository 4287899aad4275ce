"""Server-side performance gate (the ``load`` profile): Sentry's cost to each bundled target's server.

For each target: capacity of both arms at saturation, then interleaved blocks (ABBA…) at a fixed
arrival rate, each of ``GATE_LOAD_RATE_FRACTIONS`` (default 0.5; e.g. ``0.5,0.8``) of the baseline's
capacity, decided as non-inferiority against ``GATE_LOAD_BUDGET`` (default 0.02):
``performance.overhead.server-latency`` (median-latency ratio) and ``performance.overhead.server-cpu``
(CPU µs per request). Then ``performance.attribution`` on the first target: the same comparison with
one SDK switch changed at a time. Baseline = no DSN; instrumented = the mode's real configuration
(``GATE_LOAD_ENVIRONMENT``, default production) sending to an ingest started for the run. The verdict
is whatever the measurement says: the hardened reference target may honestly FAIL a 2% budget, and
the evidence says by how much.

Knobs (defaults sized for the 10-minute ``load`` profile): ``GATE_LOAD_PAIRS`` (8),
``GATE_LOAD_BLOCK_SECONDS`` (4), ``GATE_LOAD_SPOTIFY_MS`` (20), ``GATE_LOAD_ATTRIBUTION`` (1 = on),
``GATE_LOAD_TARGETS`` (default: ``SENTRY_GATE_TARGET``'s ``bundled:<name>``, else both bundled targets).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.load.attribution import CONFIGURATIONS, attribution_result
from harness.load.compare import ServerComparison, compare_arms
from harness.load.rig import ArmSpec, server_rig
from harness.load.runner import BlockSettings, Capacity
from harness.targets.fixtures import unavailable
from harness.targets.launcher import BUNDLED_TARGETS, TargetUnavailable

if TYPE_CHECKING:
    from harness.checks import CheckRecorder

_GATE_TARGET = os.environ.get("SENTRY_GATE_TARGET", "")
_DEFAULT = _GATE_TARGET.removeprefix("bundled:") if _GATE_TARGET.startswith("bundled:") else ",".join(BUNDLED_TARGETS)
TARGETS = [t.strip() for t in os.environ.get("GATE_LOAD_TARGETS", _DEFAULT).split(",") if t.strip()]
ENVIRONMENT = os.environ.get("GATE_LOAD_ENVIRONMENT", "production")
BUDGET = float(os.environ.get("GATE_LOAD_BUDGET", "0.02"))
RATE_FRACTIONS = [float(f) for f in os.environ.get("GATE_LOAD_RATE_FRACTIONS", "0.5").split(",") if f.strip()]
PAIRS = int(os.environ.get("GATE_LOAD_PAIRS", "8"))
BLOCK_SECONDS = float(os.environ.get("GATE_LOAD_BLOCK_SECONDS", "4"))
SPOTIFY_MS = int(os.environ.get("GATE_LOAD_SPOTIFY_MS", "20"))
ATTRIBUTION = os.environ.get("GATE_LOAD_ATTRIBUTION", "1") == "1"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("server-overhead")]

_RATES: dict[str, float] = {}  # each target's chosen rate, reused by its attribution runs


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
    if result.rate > 0:
        _RATES.setdefault(target, result.rate)
    return result


def test_server_latency(server_comparison: ServerComparison, gate_check: CheckRecorder) -> None:
    gate_check(server_comparison.latency)


def test_server_cpu(server_comparison: ServerComparison, gate_check: CheckRecorder) -> None:
    gate_check(server_comparison.cpu)


@pytest.mark.skipif(not ATTRIBUTION or not TARGETS, reason="GATE_LOAD_ATTRIBUTION=0")
def test_attribution(
    request: pytest.FixtureRequest, gate_check: CheckRecorder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    target = TARGETS[0]
    tmp_path = _artefact_dir(request, tmp_path_factory, f"attribution-{target}")
    rate = _RATES.get(target, 40.0)
    settings = BlockSettings(pairs=3, seconds=2.5, warmup_seconds=2.0)
    measured: list[tuple[str, ServerComparison]] = []
    try:
        for i, config in enumerate(CONFIGURATIONS):
            spec = ArmSpec(sentry=True, mutant=config.mutant, env=dict(config.env))
            with server_rig(
                target, tmp_path / f"logs{i}", environment=ENVIRONMENT, instrumented=spec, spotify_latency_ms=SPOTIFY_MS
            ) as rig:
                measured.append(
                    (
                        config.name,
                        compare_arms(
                            rig.arms(),
                            tmp_path / f"config{i}",
                            settings=settings,
                            rate=rate,
                            budget=BUDGET,
                            load_cpu=rig.cores.load,
                            target_cpu=rig.cores.target,
                            label=f"{target}: {config.name}",
                        ),
                    )
                )
    except TargetUnavailable as exc:
        unavailable(str(exc))
        return
    gate_check(attribution_result(target, measured, {"target": target, "rate_per_s": rate, "environment": ENVIRONMENT}))
