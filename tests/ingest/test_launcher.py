"""harness.ingest.launcher: an interrupted ingest start leaves no process behind.

The ingest runs in its own session (so a runner's Ctrl-C does not reach it), which makes the caller
the only one who can stop it; until ``start_ingest`` returns, the caller holds nothing to stop. Here
the interrupt comes after the READY line, while the launcher asks the control API for the projects.
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from harness.ingest import client as ingest_client
from harness.ingest.launcher import start_ingest


def _ingest_children() -> set[int]:
    return {
        p.pid for p in psutil.Process().children(recursive=True) if "ingest" in " ".join(p.cmdline()) and p.is_running()
    }


def test_an_interrupt_while_waiting_for_the_ingest_stops_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _ingest_children()
    started: set[int] = set()

    def interrupted(self: ingest_client.IngestClient, **_: object) -> object:
        started.update(_ingest_children() - before)  # it is up and answering: the READY line came
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_client.IngestClient, "projects", interrupted)
    with pytest.raises(KeyboardInterrupt):
        start_ingest(tmp_path / "ingest", projects=[(1, "0" * 32)])
    assert started, "the ingest never started, so the test proved nothing"
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in started):
        assert time.monotonic() < deadline, f"ingest {started} still running 10 s after the interrupt"
        time.sleep(0.05)  # sleep-ok: polling a condition with a deadline
