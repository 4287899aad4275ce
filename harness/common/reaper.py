"""Nothing a run starts outlives it: a reaper that kills every process carrying the run's marker once the
run is gone, however it ended (a clean exit, SIGINT, SIGTERM, SIGKILL, a crash).

Why a separate process: the children the harness starts run in sessions of their own (so a Ctrl-C at the
terminal does not kill them in the middle of an orderly stop), which also means no signal to the run's
process group reaches them, and a run killed by SIGKILL runs no cleanup at all. So the run starts the
reaper first and holds the write end of a pipe to it; the kernel closes that pipe when the run ends, by
any means. The reaper then sends SIGTERM, and after a grace period SIGKILL, to every process whose
environment holds ``RUN_MARKER=<this run's id>``, a variable every descendant inherits.

The marker's name is deliberately outside the ``SENTRY_`` and ``GATE_`` prefixes that launchers strip from
what a target inherits. Reading ``/proc/<pid>/environ`` needs the same user, which a run's children are.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from typing import Final

__all__ = ["RUN_MARKER", "Reaper", "marked_pids", "sweep", "wait_gone"]

RUN_MARKER: Final = "SENTRYGATE_RUN_ID"
GRACE_S: Final = 3.0
"""How long a process has between SIGTERM and SIGKILL (an SDK flushing on shutdown needs about 2 s). With
the run's own 4 s for pytest's teardown and 2 s for the ingest, nothing outlives an interrupted run by 10 s."""


def marked_pids(run_id: str, *, exclude: frozenset[int] = frozenset()) -> list[int]:
    """Every live process whose environment holds ``RUN_MARKER=run_id`` (zombies have none and are skipped)."""
    needle = f"{RUN_MARKER}={run_id}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as fh:
                environ = fh.read()
        except OSError:  # gone meanwhile, or another user's
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def wait_gone(pids: Iterable[int], timeout: float) -> list[int]:
    """Wait until every process of ``pids`` has exited, or ``timeout`` seconds; the pids still alive.

    A pidfd becomes readable when its process exits, even when the process is not our child, so this waits
    on the event itself rather than polling ``/proc``."""
    fds: dict[int, int] = {}
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            fds[os.pidfd_open(pid)] = pid
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + timeout
    try:
        while fds and (remaining := deadline - time.monotonic()) > 0:
            for fd, _ in poller.poll(remaining * 1000):
                poller.unregister(fd)
                os.close(fd)
                del fds[fd]
        return sorted(fds.values())
    finally:
        for fd in fds:
            os.close(fd)


def sweep(run_id: str, *, grace: float = GRACE_S) -> list[int]:
    """SIGTERM every marked process, wait up to ``grace`` seconds for them to exit, SIGKILL what is still
    marked then (a process started meanwhile included).

    Returns the pids that were there at the start."""
    me = frozenset({os.getpid()})
    first = marked_pids(run_id, exclude=me)
    _signal_all(first, signal.SIGTERM)
    wait_gone(first, grace)
    _signal_all(marked_pids(run_id, exclude=me), signal.SIGKILL)
    return first


class Reaper:
    """The run's side: ``Reaper.start()`` before any child, ``close()`` (or the run's death) to sweep."""

    def __init__(self, run_id: str, process: subprocess.Popen[bytes], write_fd: int) -> None:
        self.run_id = run_id
        self._process = process
        self._write_fd: int | None = write_fd

    @classmethod
    def start(cls, run_id: str | None = None) -> Reaper:
        """Start the reaper and mark this process, so every child started from now on carries the marker."""
        run_id = run_id or uuid.uuid4().hex
        read_fd, write_fd = os.pipe()
        env = {k: v for k, v in os.environ.items() if k != RUN_MARKER}
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "harness.common.reaper", run_id],
                stdin=read_fd,
                env=env,
                start_new_session=True,  # a Ctrl-C to the run's group must not stop it before it sweeps
            )
        finally:
            os.close(read_fd)
        os.set_inheritable(write_fd, False)
        os.environ[RUN_MARKER] = run_id
        return cls(run_id, process, write_fd)

    def close(self, timeout: float = GRACE_S + 10.0) -> None:
        """Let the reaper sweep now (what an orderly stop left behind) and wait for it."""
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.environ.pop(RUN_MARKER, None)


def main(argv: list[str]) -> int:
    """``python -m harness.common.reaper RUN_ID``: wait for the end of stdin, then sweep the run's processes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only the pipe's end starts the sweep
    run_id = argv[0]
    with contextlib.suppress(OSError):
        while os.read(0, 4096):
            pass
    sweep(run_id)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as the reaper process
    sys.exit(main(sys.argv[1:]))
