"""Start a bundled target (``express-vue`` or ``python-api``) with a fake Spotify, and wait until healthy.

Both run as child processes on free loopback ports (each binds port 0 and prints its URL), with logs
in files under ``log_dir``, each a `harness.common.process.ManagedProcess` ready once it printed its
URL. ``start_target`` returns once ``GET /monitoring/health`` answered 200, or raises
``ProcessStartError`` with the logs; ``running_target`` is the same as a context manager that
always stops what it started. Nothing here runs on import.
"""

from __future__ import annotations

import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import httpx

from harness.common.process import ManagedProcess, ProcessStartError, url_announced
from harness.targets.options import TargetOptions, target_environment
from harness.targets.paths import REPO_ROOT, TARGETS_DIR, require_source_checkout
from harness.targets.spotify import FakeSpotify
from harness.targets.target import Target

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = [
    "BUNDLED_TARGETS",
    "HEALTH_PATH",
    "BundledTarget",
    "TargetUnavailable",
    "running_target",
    "start_target",
    "wait_healthy",
]

HEALTH_PATH: Final = "/monitoring/health"


class TargetUnavailable(RuntimeError):
    """A bundled target cannot run here (its runtime or build is missing); the message says what to do."""


@dataclass(frozen=True, slots=True)
class BundledTarget:
    """How to start one bundled server: its command, working directory and what must exist first."""

    name: str
    argv: tuple[str, ...]
    cwd: Path
    needs: tuple[tuple[Path, str], ...]  # (path that must exist, how to get it)
    runtime: str  # executable that must be on PATH (or an absolute path)

    def missing(self) -> str | None:
        """Why this target cannot start here, or None."""
        if shutil.which(self.runtime) is None:
            return f"{self.name}: {self.runtime} not found"
        for path, remedy in self.needs:
            if not path.exists():
                shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
                return f"{self.name}: {shown} is missing ({remedy})"
        return None


_EXPRESS_DIR = TARGETS_DIR / "express_vue" / "server"
_BUILD_HINT = "install and build the bundled targets: `make install`, or targets/express_vue/build.sh"

BUNDLED_TARGETS: Final[dict[str, BundledTarget]] = {
    "express-vue": BundledTarget(
        name="express-vue",
        argv=("node", "--import", "./instrument.mjs", "./server.mjs"),
        cwd=_EXPRESS_DIR,
        needs=((_EXPRESS_DIR / "node_modules" / "@sentry" / "node", _BUILD_HINT),),
        runtime="node",
    ),
    "python-api": BundledTarget(
        name="python-api",
        argv=(sys.executable, "-m", "targets.python_api", "--port", "0"),
        cwd=REPO_ROOT,
        needs=(),
        runtime=sys.executable,
    ),
}


def wait_healthy(url: str, *, deadline: float, path: str = HEALTH_PATH) -> httpx.Response:
    """Probe ``url + path`` until it answers 200 or the monotonic ``deadline`` passes."""
    last: str = "no answer"
    with httpx.Client(base_url=url, trust_env=False) as client:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProcessStartError(f"{url}{path} not healthy before the deadline (last: {last})")
            try:
                response = client.get(path, timeout=max(0.1, remaining))
            except httpx.TransportError as exc:
                last = repr(exc)
            else:
                if response.status_code == 200:
                    return response
                last = f"{response.status_code} {response.text[:200]}"
            time.sleep(min(0.05, max(0.0, remaining)))  # sleep-ok: back-off between health probes


def start_target(
    name: str,
    options: TargetOptions,
    log_dir: Path,
    *,
    spotify_url: str | None = None,
    ready_timeout: float = 15.0,
) -> Target:
    """Start bundled target ``name`` and, unless ``spotify_url`` is given, a fake Spotify for it.

    ``spotify_url`` lets a chaos test put a fault proxy between the target and a Spotify it started.
    """
    require_source_checkout()
    spec = BUNDLED_TARGETS.get(name)
    if spec is None:
        raise ValueError(f"unknown bundled target {name!r}; choose from {', '.join(BUNDLED_TARGETS)}")
    if (why := spec.missing()) is not None:
        raise TargetUnavailable(why)
    spotify = FakeSpotify.start(log_dir) if spotify_url is None else None
    target = Target(name=name, url="", options=options, spotify=spotify)
    try:
        env = target_environment(options, spotify_url=spotify_url or (spotify.url if spotify else ""))
        started = time.monotonic()
        process = ManagedProcess.start(
            name,
            spec.argv,
            log_path=log_dir / f"{name}.log",
            ready=url_announced,
            timeout=ready_timeout,
            env=env,
            cwd=spec.cwd,
        )
        target.processes.append(process)
        target.url = process.url
        try:
            wait_healthy(process.url, deadline=started + ready_timeout)
        except ProcessStartError as exc:
            raise ProcessStartError(f"{exc}\n{target.logs()}") from None
        target.startup_seconds = time.monotonic() - started
    except BaseException:
        target.stop()
        raise
    return target


@contextmanager
def running_target(
    name: str,
    options: TargetOptions,
    log_dir: Path,
    *,
    spotify_url: str | None = None,
    ready_timeout: float = 15.0,
) -> Iterator[Target]:
    """``start_target`` as a context manager: the target and its fake Spotify stop on exit, always."""
    target = start_target(name, options, log_dir, spotify_url=spotify_url, ready_timeout=ready_timeout)
    try:
        yield target
    finally:
        target.stop()
