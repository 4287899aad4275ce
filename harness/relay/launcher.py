"""Start ``sentry-gate relay`` as its own process and stop it cleanly (for tests and scripts).

The child is a `harness.common.process.ManagedProcess`: ready once it printed its READY line, stopped
(also when its start is interrupted) with SIGTERM, so the copy is committed and the tar closed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.common.process import ManagedProcess, clean_exit, url_announced
from harness.relay.copies import AUDIT_TAR, STORE_FILE

__all__ = ["RelayProcess", "start_relay"]


@dataclass
class RelayProcess:
    """A running relay: its URL, its data folder (the copy's store and audit tar) and the process."""

    url: str
    data: Path
    process: ManagedProcess

    @property
    def log_path(self) -> Path:
        return self.process.log_path

    @property
    def audit_tar(self) -> Path:
        return self.data / AUDIT_TAR

    @property
    def store_path(self) -> Path:
        return self.data / STORE_FILE

    def dsn(self, key: str, project: int) -> str:
        return f"http://{key}@{self.url.removeprefix('http://')}/{project}"

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (the copy is committed and the tar closed), SIGKILL after ``timeout``; 0 for a SIGTERM death."""
        return clean_exit(self.process.stop(timeout))


def start_relay(
    upstream: str, data: Path, *, extra_args: list[str] | None = None, timeout: float = 30.0
) -> RelayProcess:
    """Start the relay on a free loopback port and wait (bounded) for its READY line."""
    data.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "harness.cli", "relay", "--upstream", upstream, "--data", str(data), "--port", "0"]
    process = ManagedProcess.start(
        "relay",
        [*args, *(extra_args or [])],
        log_path=data / "relay.log",
        ready=url_announced,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return RelayProcess(url=process.url, data=data, process=process)
