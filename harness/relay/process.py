"""Start ``sentry-gate relay`` as its own process and stop it cleanly (for tests and scripts)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from harness.ingest.process import terminate
from harness.relay.copies import AUDIT_TAR, STORE_FILE

__all__ = ["RelayProcess", "start_relay"]


@dataclass
class RelayProcess:
    url: str
    data: Path
    process: subprocess.Popen[str]
    log_path: Path
    log_thread: threading.Thread

    @property
    def audit_tar(self) -> Path:
        return self.data / AUDIT_TAR

    @property
    def store_path(self) -> Path:
        return self.data / STORE_FILE

    def dsn(self, key: str, project: int) -> str:
        return f"http://{key}@{self.url.removeprefix('http://')}/{project}"

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (the copy is committed and the tar closed), SIGKILL after ``timeout``."""
        return terminate(self.process, self.log_thread, timeout)


def start_relay(
    upstream: str, data: Path, *, extra_args: list[str] | None = None, timeout: float = 30.0
) -> RelayProcess:
    """Start the relay on a free loopback port and wait (bounded) for its READY line."""
    data.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "harness.cli", "relay", "--upstream", upstream, "--data", str(data), "--port", "0"]
    proc = subprocess.Popen(
        [*args, *(extra_args or [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    log_path = data / "relay.log"
    ready: list[str] = []
    got_ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        with log_path.open("a", encoding="utf-8") as log:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                if line.startswith("READY ") and not ready:
                    ready.append(line.split()[1])
                    got_ready.set()
        got_ready.set()
        proc.stdout.close()

    thread = threading.Thread(target=pump, name=f"relay-log-{proc.pid}", daemon=True)
    thread.start()
    try:
        ready_in_time = got_ready.wait(timeout) and bool(ready)
    except BaseException:  # interrupted before the caller holds the process: nobody else can stop it
        proc.kill()
        proc.wait(5)
        raise
    if not ready_in_time:
        proc.kill()
        proc.wait(5)
        thread.join(5)
        raise RuntimeError(f"relay did not become ready within {timeout:g} s:\n{log_path.read_text(errors='replace')}")
    return RelayProcess(url=ready[0], data=data, process=proc, log_path=log_path, log_thread=thread)
