"""The target process under chaos: restarted under load, and its memory during a Sentry outage.

- ``chaos.shutdown.flush``: SIGTERM while events are pending (the ingest answers slowly): every event
  captured before the signal, and the request-mode session aggregates, reach the ingest before the
  process exits, within the target's shutdown timeout (Express 5 + 2 s, uvicorn 10 + 2 s);
- ``chaos.ingest-down.memory``: Sentry refused for 60 s under steady load (each request captures an
  error event): the target's RSS grows by less than 50 MB.

Each test starts its own rig: SIGTERM ends the target, and memory needs a process nothing else loaded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.chaos import ChaosRunner, experiments
from harness.chaos.fixtures import suite_rig
from harness.chaos.rig import ChaosRig, running_rig
from harness.common.prerequisites import prerequisites_required, unavailable
from harness.ingest import IngestClient
from harness.recorder import CheckRecorder
from harness.settings import Settings
from harness.targets import unavailable_reason
from harness.targets.selection import selected_targets

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = pytest.mark.needs("bundled", "gate_routes")

OUTAGE_S = 60.0


@pytest.fixture(params=selected_targets())
def fresh_rig(
    request: pytest.FixtureRequest, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path: Path
) -> Iterator[ChaosRig]:
    yield from suite_rig(request.param, sentry_ingest, chaos_runner, tmp_path)


def test_pending_events_are_delivered_on_sigterm(fresh_rig: ChaosRig, gate_check: CheckRecorder) -> None:
    # Pending work each SDK can still send within its own close timeout (experiments.SHUTDOWN_LOAD).
    gate_check(experiments.shutdown_scenario(fresh_rig))


def test_memory_stays_bounded_during_an_outage(
    sentry_ingest: IngestClient,
    chaos_runner: ChaosRunner,
    tmp_path: Path,
    gate_check: CheckRecorder,
    gate_settings: Settings,
) -> None:
    """Both targets' outages run side by side (one minute of wall time, not two): RSS growth is a property
    of each process, and each has its own Sentry proxy and load."""
    mutant = gate_settings.self_test.mutant
    wanted = selected_targets(gate_settings)
    names = [n for n in wanted if unavailable_reason(n) is None]
    if len(names) < len(wanted) and (not names or prerequisites_required()):
        # Locally the targets that can run do; under CI a missing one fails the test.
        unavailable(str([unavailable_reason(n) for n in wanted if n not in names]))
    with contextlib.ExitStack() as stack:
        rigs = [
            stack.enter_context(running_rig(n, sentry_ingest, chaos_runner, tmp_path / n, mutant=mutant)) for n in names
        ]
        with ThreadPoolExecutor(max_workers=len(rigs), thread_name_prefix="memory") as pool:
            results = list(pool.map(lambda rig: experiments.memory_scenario(rig, outage_s=OUTAGE_S), rigs))
    gate_check.all(results)
