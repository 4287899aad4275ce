"""Run `sentry-gate run --target URL` against a deployment started by hand, as a user starts theirs.

The deployment is configured beforehand with the DSNs the run will print: ``--ingest-port`` and
``--dsn-key`` make them the same on every run (projects `SERVER_PROJECT` and `BROWSER_PROJECT`).
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

from harness.cli.handshake import BROWSER_PROJECT, SERVER_PROJECT

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["deployment_dsns", "run_on_url"]


def deployment_dsns(key: str, port: int) -> tuple[str, str]:
    """The server and browser DSNs a run with ``--ingest-port port --dsn-key key`` creates."""
    return f"http://{key}@127.0.0.1:{port}/{SERVER_PROJECT}", f"http://{key}@127.0.0.1:{port}/{BROWSER_PROJECT}"


def run_on_url(
    url: str, *args: str, port: int, key: str, reports: Path, handshake_timeout: str = "60"
) -> subprocess.CompletedProcess[str]:
    """``sentry-gate run --target url`` with the fixed DSNs, ``args`` added (profile, suites, environment…)."""
    argv = [sys.executable, "-m", "harness.cli", "run", "--target", url, *args, "--ingest-port", str(port)]
    argv += ["--dsn-key", key, "--handshake-timeout", handshake_timeout, "--reports", str(reports)]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
