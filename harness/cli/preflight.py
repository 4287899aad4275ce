"""Before the suites: build the target once and start it once, so a target that cannot run is a set-up
error (exit 2) that says how to fix it, not a hundred failing tests.

The build is the file's ``[app.build]`` (once per run; an incremental build costs little when up to
date). The trial start uses the file's lifecycle with Sentry off (no DSN), then stops the app: the
suites start it again with their own settings. Its logs stay in the report's ``target/`` folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.common.process import ProcessStartError
from harness.targets.lifecycle import TargetSetupError, TargetUnavailable, build, start_described
from harness.targets.options import TargetOptions

if TYPE_CHECKING:
    from pathlib import Path

    from harness.targetfile import Described

__all__ = ["preflight"]


def _where(described: Described, exc: Exception) -> str:
    """The file and the key of the process that failed: each lifecycle error starts with its name."""
    name = str(exc).split(":", 1)[0]
    key = f"services.{name}.start" if name in described.model.services else "app.start"
    return f"{described.path}: {key}"


def preflight(described: Described, log_dir: Path) -> str:
    """Build and trial-start what ``described`` says; a note for the report, or `TargetSetupError`."""
    took = build(described, log_dir)
    options = TargetOptions(release=None, server_dsn=None, browser_dsn=None, fault_token=None)
    try:
        target = start_described(described, options, log_dir)
    except TargetUnavailable as exc:
        raise TargetSetupError(f"{_where(described, exc)}: cannot run here: {exc}") from None
    except ProcessStartError as exc:
        raise TargetSetupError(f"{_where(described, exc)}: did not start: {exc}") from None
    try:
        return (
            f"target {described.name}: built in {took:.1f} s, started in {target.startup_seconds:.1f} s and"
            " stopped (the suites start it again with their own settings); logs in target/"
        )
    finally:
        target.stop()
