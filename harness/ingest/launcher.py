"""Start the ingest as its own process and stop it cleanly: used by fixtures, the CLI and benchmarks.

The ingest always runs out of process: the request path must not share a GIL with the tests
that drive SDKs, and a crash in a test must not take captured data with it. The child is a
`harness.common.process.ManagedProcess`: ready once it printed its READY line and its control API
answered, stopped (also when its start is interrupted) with SIGTERM, so the store drains and commits.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from harness.common.process import ManagedProcess, clean_exit, line_matching
from harness.ingest.client import IngestClient
from harness.ingest.guard import is_loopback

__all__ = ["READY_TIMEOUT_S", "IngestProcess", "start_ingest"]

READY_TIMEOUT_S: Final = 30.0
_CONTROL_TOKEN: Final = re.compile(r"^CONTROL-TOKEN (\S+)")
_READY: Final = re.compile(r"^READY (http://\S+)")
"""The ingest's own ready line, on whatever interface it was asked to bind (the URL its DSNs carry)."""


@dataclass
class IngestProcess:
    """A running ingest: its URL, data folder, the DSNs of its pre-declared projects, its control token."""

    url: str
    data: Path
    process: ManagedProcess
    dsns: dict[int, str] = field(default_factory=dict)
    control_token: str | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.process.log_path

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (the store drains and commits), then SIGKILL after ``timeout``; the exit code, 0 for a
        SIGTERM death (uvicorn re-raises the signal after a graceful shutdown)."""
        return clean_exit(self.process.stop(timeout))

    def log_tail(self, lines: int = 40) -> str:
        return self.process.log_tail(lines)


def start_ingest(
    data: Path,
    *,
    projects: list[tuple[int, str]] | None = None,
    extra_args: list[str] | None = None,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
    cpu: int | None = None,
    timeout: float = READY_TIMEOUT_S,
    host: str = "127.0.0.1",
) -> IngestProcess:
    """Start ``sentry-gate ingest serve`` on a free loopback port and wait for its READY line (pinned to
    core ``cpu`` if given), then for its control API to list the projects; all within ``timeout`` s."""
    data.mkdir(parents=True, exist_ok=True)
    args = [python, "-m", "harness.cli", "ingest", "serve", "--host", host, "--port", "0", "--data", str(data)]
    for pid, key in projects or []:
        args += ["--project", f"{pid}:{key}"]
    args += extra_args or []
    deadline = time.monotonic() + timeout
    process = ManagedProcess.start(
        "ingest",
        args,
        log_path=data / "ingest.log",
        ready=line_matching(_READY) if is_loopback(host) else _ready_with_token,
        timeout=timeout,
        env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
        cpu=cpu,
    )
    ready = process.match(_READY)
    url = ready.group(1) if ready else process.url
    try:
        # The READY block (READY, CONTROL-TOKEN and DSN lines) is printed in one go; the projects come
        # from the control API, within what is left of the deadline.
        client = IngestClient(url, token=_token(process))
        try:
            projects_info = client.projects(timeout=max(0.5, deadline - time.monotonic()))
        finally:
            client.close()
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM turned into an exception, a failed start) before the caller holds
        # the process: nobody else can stop it, and its own session spares it the runner's signals.
        process.stop(timeout=2.0)
        raise
    return IngestProcess(
        url=url,
        data=data,
        process=process,
        dsns={p.id: p.dsn for p in projects_info},
        control_token=_token(process),
    )


def _ready_with_token(process: ManagedProcess) -> bool:
    """Beyond loopback the control API needs the token printed after the READY line: wait for both."""
    return process.match(_READY) is not None and process.match(_CONTROL_TOKEN) is not None


def _token(process: ManagedProcess) -> str | None:
    """The control API's token, which the ingest prints when it listens beyond loopback."""
    token = process.match(_CONTROL_TOKEN)
    return token.group(1) if token else None
