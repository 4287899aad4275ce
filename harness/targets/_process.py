"""One child process of a target: started, read until its ready line, logged to a file, stopped.

Every server the launcher starts prints one line with its loopback URL once it accepts requests
(``<name> ready http://127.0.0.1:<port>``). A reader thread copies the child's output (stdout and
stderr together) to a log file and signals when that line appears, so start-up waits on a condition
with a deadline, never on a sleep. Stopping sends SIGTERM (the targets' graceful shutdown), then
SIGKILL to the whole process group after a timeout; an ``atexit`` backstop kills whatever a crashed
test run left behind. It must never leave a child running past the Python process that started it.
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
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

__all__ = ["READY_LINE", "ManagedProcess", "TargetStartError"]

READY_LINE = re.compile(r"\bready\b.*?(http://127\.0\.0\.1:\d+)", re.IGNORECASE)

_LIVE: set[ManagedProcess] = set()
_LIVE_LOCK = threading.Lock()


class TargetStartError(RuntimeError):
    """A process did not print its ready line in time, or exited first; the message carries its log."""


class ManagedProcess:
    """A started child process with its log file and the URL it announced."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log_path: Path) -> None:
        self.name = name
        self.popen = popen
        self.log_path = log_path
        self.url = ""
        self.startup_seconds = 0.0
        self._ready = threading.Event()
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._pump, name=f"log-{name}", daemon=True)

    @classmethod
    def start(
        cls,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_dir: Path,
        ready_timeout: float = 15.0,
    ) -> ManagedProcess:
        """Start ``argv`` and return once it printed its ready line; raise ``TargetStartError`` if not."""
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{name}.log"
        popen = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as one, spared the runner's Ctrl-C
        )
        proc = cls(name, popen, log_path)
        with _LIVE_LOCK:
            _LIVE.add(proc)
        proc._reader.start()
        try:
            proc._wait_ready(ready_timeout)
        except BaseException:
            proc.stop(timeout=2.0)
            raise
        return proc

    def _pump(self) -> None:
        stream: IO[bytes] | None = self.popen.stdout
        assert stream is not None
        with stream, self.log_path.open("wb") as log:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                if not self._ready.is_set():
                    match = READY_LINE.search(raw.decode("utf-8", "replace"))
                    if match:
                        self.url = match.group(1)
                        self._ready.set()
        self._closed.set()
        self._ready.set()  # wake a waiter: the process closed its output without being ready

    def _wait_ready(self, timeout: float) -> None:
        started = time.monotonic()
        if not self._ready.wait(timeout) or not self.url:
            state = f"printed no ready line in {timeout:g} s"
            if self._closed.is_set():  # its output ended: it is exiting, or has exited
                try:
                    state = f"exited with {self.popen.wait(5.0)}"
                except subprocess.TimeoutExpired:
                    state = "closed its output without a ready line"
            raise TargetStartError(f"{self.name} {state}\n{self.log_tail()}")
        self.startup_seconds = time.monotonic() - started

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 80) -> str:
        """The last ``lines`` lines of the log, headed by its path, for failure messages."""
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            text = ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"--- {self.name} log ({self.log_path}) ---\n{tail}"

    def terminate(self) -> None:
        """Send SIGTERM (the graceful path) without waiting."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL the process group; returns the exit code."""
        try:
            self.terminate()
            try:
                code = self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                code = self.popen.wait(5.0)
            # Children of the target (npm, workers) must not outlive it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self._closed.wait(5.0)
            return code
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(self)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)


@atexit.register
def _kill_leftovers() -> None:
    with _LIVE_LOCK:
        leftovers = list(_LIVE)
    for proc in leftovers:
        proc.kill()
