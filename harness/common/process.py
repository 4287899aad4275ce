"""One managed child process, the only way the harness starts one: the ingest, the relay, the bundled
targets, the fake Spotify and Locust all run through `ManagedProcess`.

Why one type: a child the harness starts must never outlive it, and each launcher used to get a
different part of that right. So every child here

- starts in its own session (its own process group: killed as one, spared the runner's Ctrl-C);
- has its output (stdout and stderr together) copied to a log file by a reader thread, which also keeps
  the first lines in memory for the caller's readiness check and for what the process announced;
- is ready when a predicate the caller gives holds (a ready line, a URL answering, a port file...),
  checked on every output line and every ``poll_interval`` up to a deadline; an exit, or the deadline,
  raises `ProcessStartError` with the log's tail;
- is stopped in order with a deadline: SIGTERM to the group, wait, SIGKILL to the group, and the group
  killed even after a clean exit (children of the child must not outlive it);
- is stopped if anything, even a ``KeyboardInterrupt``, interrupts its start: until ``start`` returns the
  caller holds nothing to stop it with. An ``atexit`` backstop kills whatever a crashed run left behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final, TypeAlias

__all__ = [
    "READY_URL",
    "ManagedProcess",
    "ProcessStartError",
    "Readiness",
    "clean_exit",
    "line_matching",
    "url_announced",
]

READY_URL: Final = re.compile(r"\bready\b.*?(http://127\.0\.0\.1:\d+)", re.IGNORECASE)
"""The line every server the harness starts prints once it accepts requests, with its loopback URL
(``READY http://127.0.0.1:<port> …``, ``<name> ready http://127.0.0.1:<port>``)."""
HEAD_LINES: Final = 200
"""How many of the first output lines are kept in memory (for readiness and `ManagedProcess.match`)."""

Readiness: TypeAlias = Callable[["ManagedProcess"], bool]
"""Whether a started process is ready; called with it on each output line and each poll interval."""

_LIVE: set[ManagedProcess] = set()
_LIVE_LOCK = threading.Lock()


class ProcessStartError(RuntimeError):
    """A process exited, or was not ready by its deadline; the message carries its log's tail."""


def line_matching(pattern: re.Pattern[str]) -> Readiness:
    """Ready once an output line matches ``pattern``."""

    def ready(process: ManagedProcess) -> bool:
        return process.match(pattern) is not None

    return ready


url_announced: Final[Readiness] = line_matching(READY_URL)
"""Ready once the process printed its `READY_URL` line (then `ManagedProcess.url` is that URL)."""


def clean_exit(code: int) -> int:
    """``code`` with a death by SIGTERM counted as 0: uvicorn re-raises SIGTERM after a graceful shutdown."""
    return 0 if code == -signal.SIGTERM else code


class ManagedProcess:
    """A started child process, its log file and what it printed first. Build it with `start`."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log_path: Path) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path
        self.startup_seconds = 0.0
        self._head: list[str] = []
        self._lines = 0
        self._eof = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._pump, name=f"log-{name}-{popen.pid}", daemon=True)

    @classmethod
    def start(
        cls,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        ready: Readiness | None = None,
        timeout: float = 15.0,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        cpu: int | None = None,
    ) -> ManagedProcess:
        """Start ``argv`` (pinned to core ``cpu`` with ``taskset`` if given; ``env`` None inherits ours), its
        output appended to ``log_path``; return once ``ready`` holds (at once without one). Raises
        `ProcessStartError` if it exits or is not ready within ``timeout`` s; stops it on any exception."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command = ["taskset", "-c", str(cpu), *argv] if cpu is not None else list(argv)
        popen = subprocess.Popen(
            command,
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = cls(name, popen, log_path)
        with _LIVE_LOCK:
            _LIVE.add(process)
        try:
            process._reader.start()
            if ready is not None:
                process.wait_ready(ready, timeout)
        except BaseException:
            process.stop(timeout=2.0)
            raise
        return process

    # ---- output ----------------------------------------------------------------------------------------
    def _pump(self) -> None:
        stream = self.popen.stdout
        assert stream is not None
        with stream, self.log_path.open("ab") as log:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                with self._changed:
                    if len(self._head) < HEAD_LINES:
                        self._head.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
                    self._lines += 1
                    self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def match(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first of the kept output lines that ``pattern`` finds something in."""
        with self._changed:
            head = list(self._head)
        return next((m for m in map(pattern.search, head) if m is not None), None)

    @property
    def url(self) -> str:
        """The loopback URL the process announced on its `READY_URL` line, or "" before (or without) one."""
        found = self.match(READY_URL)
        return found.group(1) if found else ""

    def log_tail(self, lines: int = 80) -> str:
        """The last ``lines`` lines of the log, headed by its path, for failure messages."""
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            text = ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- {self.name} log ({self.log_path}) ---\n{tail}"

    # ---- readiness -------------------------------------------------------------------------------------
    def wait_ready(self, ready: Readiness, timeout: float, *, poll_interval: float = 0.05) -> None:
        """Return once ``ready(self)`` holds; raise `ProcessStartError` if the process exits first or the
        ``timeout`` passes. Checked on each output line, and every ``poll_interval`` s for what is not output."""
        started = time.monotonic()
        deadline = started + timeout
        while True:
            with self._changed:
                seen, eof = self._lines, self._eof
            if ready(self):
                self.startup_seconds = time.monotonic() - started
                return
            if eof:  # its output ended: it is exiting, or has exited
                try:
                    state = f"exited with {self.popen.wait(5.0)}"
                except subprocess.TimeoutExpired:
                    state = "closed its output"
                raise ProcessStartError(f"{self.name} {state} before it was ready\n{self.log_tail()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProcessStartError(f"{self.name} was not ready within {timeout:g} s\n{self.log_tail()}")
            with self._changed:
                if self._lines == seen and not self._eof:  # nothing new since the check: wait for a line or a tick
                    self._changed.wait(min(remaining, poll_interval))

    # ---- the process -----------------------------------------------------------------------------------
    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self, timeout: float | None = None) -> int:
        """The exit code, once the process exited; ``subprocess.TimeoutExpired`` after ``timeout`` s."""
        return self.popen.wait(timeout)

    def send_signal(self, sig: int) -> None:
        """``sig`` to the process itself (not its group), if it is still running."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(sig)

    def terminate(self, sig: int = signal.SIGTERM) -> None:
        """``sig`` (SIGTERM unless the process asks for another) to the process group, without waiting."""
        if self.running:
            self._signal_group(sig)

    def kill(self) -> None:
        """SIGKILL to the process group, without waiting."""
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 10.0, *, sig: int = signal.SIGTERM) -> int:
        """``sig`` to the group, wait up to ``timeout`` s, then SIGKILL; returns the exit code. Whatever is
        left of the group is killed even after a clean exit. Safe to call twice."""
        try:
            self.terminate(sig)
            try:
                code = self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                code = self.popen.wait(5.0)
            self.kill()
            if self._reader.is_alive():
                self._reader.join(5.0)
            return code
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(self)


@atexit.register
def _kill_leftovers() -> None:
    with _LIVE_LOCK:
        leftovers = list(_LIVE)
    for process in leftovers:
        process.kill()
