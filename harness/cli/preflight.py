"""Before the suites: build the target once and start it once, so a target that cannot run is a set-up
error (exit 2) that says how to fix it, not a hundred failing tests.

The build is the file's ``[app.build]`` (once per run; an incremental build costs little when up to
date). An app whose page gets its DSN at build time (``sentry.browser_dsn_at = "build"``) is built
with the DSN of a browser project the run creates for it: fixed for the run, so the suites read the
page's items from that one project and tell their traffic apart by marking it. The trial start uses
the file's lifecycle with the server SDK off (no DSN), then stops the app: the suites start it again
with their own settings. Its logs stay in the report's ``target/`` folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.common.process import ProcessStartError
from harness.targets.lifecycle import TargetSetupError, TargetUnavailable, build, start_described
from harness.targets.options import TargetOptions

if TYPE_CHECKING:
    from pathlib import Path

    from harness.ingest import IngestClient
    from harness.settings import Settings
    from harness.targetfile import Described

__all__ = ["preflight"]


def _where(described: Described, exc: Exception) -> str:
    """The file and the key of the process that failed: each lifecycle error starts with its name."""
    name = str(exc).split(":", 1)[0]
    key = f"services.{name}.start" if name in described.model.services else "app.start"
    return f"{described.path}: {key}"


def preflight(described: Described, log_dir: Path, client: IngestClient, settings: Settings) -> tuple[str, Settings]:
    """Build and trial-start what ``described`` says: a note for the report and the settings (with the
    built-in browser project, if any), or `TargetSetupError`."""
    sentry = described.model.sentry
    build_env: dict[str, str] = {}
    if sentry.browser_dsn_at == "build" and sentry.browser_dsn:
        project = client.create_project(f"{described.name} browser (DSN built in)")
        build_env = dict.fromkeys(sentry.browser_dsn, project.dsn)
        settings = settings.replace(browser_project=project.id)
    took = build(described, log_dir, env=build_env)
    options = TargetOptions(release=None, server_dsn=None, browser_dsn=None, fault_token=None)
    try:
        target = start_described(described, options, log_dir)
    except TargetUnavailable as exc:
        raise TargetSetupError(f"{_where(described, exc)}: cannot run here: {exc}") from None
    except ProcessStartError as exc:
        raise TargetSetupError(f"{_where(described, exc)}: did not start: {exc}") from None
    try:
        baked = f"; its page's DSN built in for project {settings.browser_project}" if build_env else ""
        return (
            f"target {described.name}: built in {took:.1f} s{baked}, started in {target.startup_seconds:.1f} s"
            " and stopped (the suites start it again with their own settings); logs in target/"
        ), settings
    finally:
        target.stop()
