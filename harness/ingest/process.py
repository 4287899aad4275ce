"""Start the ingest as its own process and stop it cleanly: used by fixtures, the CLI and benchmarks.

The ingest always runs out of process: the request path must not share a GIL with the tests
that drive SDKs, and a crash in a test must not take captured data with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT_S = 30.0


@dataclass
class IngestProcess:
    url: str
    data: Path
    process: subprocess.Popen[str]
    log_path: Path
    dsns: dict[int, str] = field(default_factory=dict)
    control_token: str | None = None
    log_thread: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (the store drains and commits), then SIGKILL after ``timeout``; returns the exit code."""
        return terminate(self.process, self.log_thread, timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def terminate(process: subprocess.Popen[str], log_thread: threading.Thread | None, timeout: float = 15.0) -> int:
    """SIGTERM, then SIGKILL after ``timeout``; the exit code, 0 for a SIGTERM death.

    uvicorn re-raises the signal after a graceful shutdown, so a SIGTERM death is a clean stop. The log
    thread closes the pipe and the log file at EOF; it is joined so nothing is left writing."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    if log_thread is not None:
        log_thread.join(5)
    code = int(process.returncode)
    return 0 if code == -signal.SIGTERM else code


def start_ingest(
    data: Path,
    *,
    projects: list[tuple[int, str]] | None = None,
    extra_args: list[str] | None = None,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
    cpu: int | None = None,
    timeout: float = READY_TIMEOUT_S,
) -> IngestProcess:
    """Start ``sentry-gate ingest serve`` on a free loopback port and wait for its READY line."""
    data.mkdir(parents=True, exist_ok=True)
    args = [python, "-m", "harness.cli", "ingest", "serve", "--host", "127.0.0.1", "--port", "0", "--data", str(data)]
    for pid, key in projects or []:
        args += ["--project", f"{pid}:{key}"]
    args += extra_args or []
    if cpu is not None:
        args = ["taskset", "-c", str(cpu), *args]
    log_path = data / "ingest.log"
    proc = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    assert proc.stdout is not None
    log = log_path.open("a", encoding="utf-8")
    header: list[str] = []
    got_ready = threading.Event()
    done_reading_header = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            log.flush()
            if not done_reading_header.is_set():
                header.append(line.rstrip("\n"))
                if line.startswith("READY "):
                    got_ready.set()
                # DSN lines are printed in the same burst right after READY.
        got_ready.set()
        log.close()
        proc.stdout.close()

    log_thread = threading.Thread(target=pump, name=f"ingest-log-{proc.pid}", daemon=True)
    log_thread.start()
    try:
        deadline = time.monotonic() + timeout
        if not got_ready.wait(timeout) or (proc.poll() is not None and not any(h.startswith("READY ") for h in header)):
            proc.kill()
            proc.wait(5)
            log_thread.join(5)
            raise RuntimeError(f"ingest did not become ready within {timeout:g} s:\n" + "\n".join(header[-40:]))
        # The READY block is printed in one go; give the DSN lines a bounded moment to arrive.
        from harness.ingest.client import IngestClient

        url = next(h for h in header if h.startswith("READY ")).split()[1]
        client = IngestClient(url)
        try:
            projects_info = client.projects(timeout=max(0.5, deadline - time.monotonic()))
        finally:
            client.close()
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM turned into an exception, a failed start) before the caller holds
        # the process: nobody else can stop it, and its own session spares it the runner's signals.
        terminate(proc, log_thread, timeout=2.0)
        raise
    done_reading_header.set()
    token = next((h.split()[1] for h in header if h.startswith("CONTROL-TOKEN ")), None)
    return IngestProcess(
        url=url,
        data=data,
        process=proc,
        log_path=log_path,
        dsns={p.id: p.dsn for p in projects_info},
        control_token=token,
        log_thread=log_thread,
    )
