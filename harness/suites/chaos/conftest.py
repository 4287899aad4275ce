"""The chaos suite's fixtures: each bundled target with fault proxies on its Sentry and Spotify paths.

``rig`` (module, one per bundled target) is a `harness.chaos.rig.ChaosRig`; the settings' ``self_test.mutant``
starts the targets as that mutant (how the self-tests show a check can fail). Every test leaves the rig
without faults, whatever happened.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.chaos import ChaosRunner
from harness.chaos.fixtures import suite_rig
from harness.chaos.rig import ChaosRig
from harness.ingest import IngestClient
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
    yield from suite_rig(name, sentry_ingest, chaos_runner, tmp_path_factory.mktemp(f"chaos-{name}"))


@pytest.fixture(autouse=True)
def clean_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "rig" in request.fixturenames:
        started: ChaosRig = request.getfixturevalue("rig")
        started.reset_faults()
