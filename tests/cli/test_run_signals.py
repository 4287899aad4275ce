"""Whatever ends `sentry-gate run` (SIGINT, SIGTERM, SIGKILL), no process it started outlives it by 10 s.

The suite starts what a suite's fixtures start: a child in a session of its own (as every target, the
ingest and the fake Spotify are), which starts a grandchild, and then blocks until the run is signalled.
Every process of the run carries the run's marker (`harness.common.reaper.RUN_MARKER`), which is how this
test finds them; the positive control is that it finds them all before the signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.common.reaper import marked_pids

HOLD = """
import os, subprocess, sys, threading
from pathlib import Path

def test_hold():
    code = "import subprocess, sys, threading; subprocess.Popen([sys.executable, '-c', "
    code += "'import threading; threading.Event().wait(600)']); threading.Event().wait(600)"
    subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    Path({ready!r}).write_text(os.environ["SENTRYGATE_RUN_ID"])
    threading.Event().wait(600)
"""
DEADLINE_S = 10.0


def _wait(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:g} s")
        time.sleep(0.1)  # polling /proc and a file with a deadline: nothing to wait on otherwise


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_no_process_of_the_run_survives_it(tmp_path: Path, sig: signal.Signals) -> None:
    suites, ready = tmp_path / "suites", tmp_path / "ready"
    (suites / "production").mkdir(parents=True)
    (suites / "production" / "test_hold.py").write_text(HOLD.format(ready=str(ready)))
    argv = [sys.executable, "-m", "harness.cli", "run", "--target", "bundled:python-api", "--suites", str(suites)]
    run = subprocess.Popen(
        [*argv, "--reports", str(tmp_path / "reports")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the signal goes to the run alone, as `kill PID` would send it
    )
    try:
        _wait(ready.exists, 60, "the suite did not start")
        run_id = ready.read_text()
        # ingest, pytest, the session child and its grandchild (the run itself carries it too)
        _wait(lambda: len(marked_pids(run_id, exclude=frozenset({run.pid}))) >= 4, 10, "not every process marked")
        os.kill(run.pid, sig)
        signalled = time.monotonic()
        _wait(lambda: not marked_pids(run_id), DEADLINE_S, "processes of the run survived it")
        survived_s = time.monotonic() - signalled
        code = run.wait(DEADLINE_S)
    finally:
        if run.poll() is None:
            run.kill()
        output = run.communicate(timeout=10)[0].decode(errors="replace")
    assert survived_s <= DEADLINE_S
    if sig is signal.SIGKILL:
        assert code == -signal.SIGKILL
        return
    assert code == 128 + sig, output
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert f"interrupted by {sig.name}" in summary, summary
