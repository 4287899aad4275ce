"""Whatever ends `sentry-gate run` (SIGINT, SIGTERM, SIGKILL), no process it started outlives it by 10 s.

The suite starts what a suite's fixtures start: a child in a session of its own (as every target, the
ingest and the fake Spotify are), which starts a grandchild, says it is up through a FIFO, and then the
test blocks until the run is signalled. Every process of the run carries the run's marker
(`harness.common.reaper.RUN_MARKER`), which is how this test finds them; the positive control is that it
finds them all before the signal.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.common.reaper import RUN_MARKER, marked_pids, wait_gone

HOLD = """
import subprocess, sys, threading

CHILD = '''
import os, subprocess, sys, threading
subprocess.Popen([sys.executable, "-c", "import threading; threading.Event().wait(600)"])
with open({fifo!r}, "w") as fifo:
    fifo.write(os.environ[{marker!r}])
threading.Event().wait(600)
'''

def test_hold():
    subprocess.Popen([sys.executable, "-c", CHILD], start_new_session=True)
    threading.Event().wait(600)
"""
DEADLINE_S = 10.0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_no_process_of_the_run_survives_it(tmp_path: Path, sig: signal.Signals) -> None:
    suites, fifo = tmp_path / "suites", tmp_path / "up.fifo"
    (suites / "production").mkdir(parents=True)
    (suites / "production" / "test_hold.py").write_text(HOLD.format(fifo=str(fifo), marker=RUN_MARKER))
    os.mkfifo(fifo)
    up = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the child's open for writing waits for this reader
    argv = [sys.executable, "-m", "harness.cli", "run", "--target", "bundled:python-api", "--suites", str(suites)]
    run = subprocess.Popen(
        [*argv, "--reports", str(tmp_path / "reports")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the signal goes to the run alone, as `kill PID` would send it
    )
    try:
        assert select.select([up], [], [], 60)[0], "the suite's child did not come up within 60 s"
        run_id = os.read(up, 64).decode()
        marked = marked_pids(run_id)
        assert len(marked) >= 4, marked  # ingest, pytest, the session child and its grandchild
        os.kill(run.pid, sig)
        assert wait_gone(marked, DEADLINE_S) == [], "processes of the run survived it"
        assert marked_pids(run_id) == []  # nor did it start any that did
        code = run.wait(DEADLINE_S)
    finally:
        os.close(up)
        if run.poll() is None:
            run.kill()
        output = run.communicate(timeout=10)[0].decode(errors="replace")
    if sig is signal.SIGKILL:
        assert code == -signal.SIGKILL
        return
    assert code == 128 + sig, output
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert f"interrupted by {sig.name}" in summary, summary
