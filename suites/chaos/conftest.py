"""The chaos suite's fixtures: each bundled target with fault proxies on its Sentry and Spotify paths.

``rig`` (module, one per bundled target) is a `harness.chaos.rig.ChaosRig`; ``GATE_MUTANT`` starts
the targets as that mutant (how the self-tests show a check can fail). Every test leaves the rig
without faults, whatever happened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from harness.chaos import ChaosRunner
from harness.chaos.rig import ChaosRig, running_rig
from harness.ingest import IngestClient
from harness.targets import TargetUnavailable
from harness.targets.fixtures import unavailable
from harness.targets.selection import selected_targets

__all__ = ["clean_faults", "rig"]


@pytest.fixture(scope="module", params=selected_targets())
def rig(
    request: pytest.FixtureRequest,
    sentry_ingest: IngestClient,
    chaos_runner: ChaosRunner,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ChaosRig]:
    name: str = request.param
    mutant = os.environ.get("GATE_MUTANT") or None
    log_dir = tmp_path_factory.mktemp(f"chaos-{name}")
    try:
        with running_rig(name, sentry_ingest, chaos_runner, log_dir, mutant=mutant) as started:
            yield started
    except TargetUnavailable as exc:
        unavailable(str(exc))


@pytest.fixture(autouse=True)
def clean_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "rig" in request.fixturenames:
        started: ChaosRig = request.getfixturevalue("rig")
        started.reset_faults()
