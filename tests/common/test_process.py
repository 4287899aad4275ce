"""harness.common.process: the one managed child process (ready by a predicate, logged, stopped in order).

Every child is a small Python script: it prints, handles (or ignores) SIGTERM and spawns children as
each test needs, so each property of the type is shown on a process that behaves exactly so.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from harness.common.process import (
    ManagedProcess,
    ProcessStartError,
    Readiness,
    clean_exit,
    line_matching,
    url_announced,
)


def _python(
    tmp_path: Path, name: str, code: str, *, ready: Readiness | None = url_announced, timeout: float = 5.0
) -> ManagedProcess:
    return ManagedProcess.start(
        name,
        [sys.executable, "-c", textwrap.dedent(code)],
        log_path=tmp_path / "logs" / f"{name}.log",
        ready=ready,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )


def _gone(pid: int) -> bool:
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(pid).wait(timeout=5)
    return not psutil.pid_exists(pid)


def test_ready_line_url_log_and_graceful_stop(tmp_path: Path) -> None:
    proc = _python(
        tmp_path,
        "demo",
        """
        import os, signal, threading
        stop = threading.Event()
        # os.write: SIGTERM may land while print() of the ready line is still flushing (reentrant print).
        signal.signal(signal.SIGTERM, lambda *_: (os.write(1, b"bye\\n"), stop.set()))
        print("starting", flush=True)
        print("demo ready http://127.0.0.1:4321", flush=True)
        stop.wait()
        """,
    )
    assert proc.url == "http://127.0.0.1:4321"
    assert proc.running
    assert proc.match(re.compile(r"^start(\w+)")) is not None
    assert proc.stop(timeout=5) == 0, proc.log_tail()
    assert proc.poll() == 0
    assert proc.log_path.read_text().splitlines() == ["starting", "demo ready http://127.0.0.1:4321", "bye"]
    assert "demo log" in proc.log_tail()
    assert proc.stop(timeout=5) == 0  # twice is harmless


def test_a_restart_in_the_same_place_appends_to_the_log(tmp_path: Path) -> None:
    for _ in range(2):
        _python(tmp_path, "again", "print('again ready http://127.0.0.1:1', flush=True)").stop(timeout=5)
    assert (tmp_path / "logs" / "again.log").read_text().count("again ready") == 2


def test_a_process_that_exits_before_ready_fails_with_its_log(tmp_path: Path) -> None:
    with pytest.raises(ProcessStartError, match=r"exited with 3 before it was ready[\s\S]*cannot bind"):
        _python(tmp_path, "broken", "import sys; print('cannot bind', flush=True); sys.exit(3)")


def test_a_process_not_ready_by_its_deadline_is_stopped(tmp_path: Path) -> None:
    script = "import os, time; print(os.getpid(), flush=True); time.sleep(30)"  # sleep-ok: a mute child
    with pytest.raises(ProcessStartError, match=r"mute was not ready within 0\.5 s[\s\S]*\d+") as raised:
        _python(tmp_path, "mute", script, timeout=0.5)
    pid = int(str(raised.value).splitlines()[-1])
    assert _gone(pid)


def test_readiness_is_any_predicate_such_as_a_port_file(tmp_path: Path) -> None:
    """Nothing is printed: the predicate is polled until the file the child writes appears."""
    port_file = tmp_path / "port"
    proc = _python(
        tmp_path,
        "quiet",
        f"""
        import pathlib, time
        time.sleep(0.3)  # sleep-ok: the child takes a moment before it is ready
        pathlib.Path({str(port_file)!r}).write_text("4321")
        time.sleep(30)  # sleep-ok: a server idling
        """,
        ready=lambda _: port_file.exists(),
    )
    try:
        assert port_file.read_text() == "4321"
        assert proc.running
        assert proc.url == ""  # it announced nothing
    finally:
        proc.stop(timeout=5)


def test_an_interrupted_start_stops_the_child(tmp_path: Path) -> None:
    """A KeyboardInterrupt while waiting (here from the predicate, once the child is up) leaves nothing."""
    pids: list[int] = []
    up = line_matching(re.compile(r"^up$"))

    def interrupted(process: ManagedProcess) -> bool:
        if not up(process):
            return False
        pids.append(process.pid)
        raise KeyboardInterrupt

    idle = "import time; print('up', flush=True); time.sleep(30)"  # sleep-ok: a child idling until it is stopped
    with pytest.raises(KeyboardInterrupt):
        _python(tmp_path, "interrupted", idle, ready=interrupted)
    assert pids, "the child never came up, so the test proved nothing"
    assert _gone(pids[0])


def test_stop_sends_sigterm_to_the_whole_group(tmp_path: Path) -> None:
    """A child of the child gets the SIGTERM too (and says so in the shared log), not only the process we
    started, which does not pass it on: it only waits for its child, so it exits once the child did."""
    proc = _python(
        tmp_path,
        "parent",
        """
        import signal, subprocess, sys
        signal.signal(signal.SIGTERM, lambda *_: None)
        child = subprocess.Popen([sys.executable, "-c", '''
        import os, signal, threading
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: (os.write(1, b"child got SIGTERM\\\\n"), done.set()))
        print("parent ready http://127.0.0.1:9", flush=True)
        done.wait()
        '''])
        child.wait()
        """,
    )
    assert proc.stop(timeout=5) == 0, proc.log_tail()
    assert "child got SIGTERM" in proc.log_path.read_text()
    assert clean_exit(-signal.SIGTERM) == 0
    assert clean_exit(3) == 3


def test_stop_kills_what_ignores_sigterm_and_its_children(tmp_path: Path) -> None:
    proc = _python(
        tmp_path,
        "stubborn",
        """
        import signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # sleep-ok: idle child
        print(f"child {child.pid}", flush=True)
        print("stubborn ready http://127.0.0.1:9", flush=True)
        time.sleep(60)  # sleep-ok: a server that ignores SIGTERM, idling
        """,
    )
    found = proc.match(re.compile(r"^child (\d+)$"))
    assert found is not None
    child_pid = int(found.group(1))
    assert proc.stop(timeout=0.3) == -signal.SIGKILL
    # The child went with it: the whole process group is killed, not only the process we started.
    assert _gone(child_pid)


def test_without_a_predicate_start_returns_at_once(tmp_path: Path) -> None:
    proc = _python(tmp_path, "job", "print('working', flush=True)", ready=None)
    assert proc.wait(10) == 0
    assert proc.stop() == 0
    assert proc.match(re.compile("working")) is not None
