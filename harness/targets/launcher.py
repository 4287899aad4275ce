"""The bundled reference apps, each described by its own target file, started through the one lifecycle.

``express-vue`` and ``python-api`` live in ``targets/`` of a source checkout, each with a
``sentry-gate.toml`` beside it (the fake Spotify as a service). ``--target bundled:NAME`` is only a
name for that file: ``start_target`` loads it and hands it to `harness.targets.lifecycle`, the code a
user's app goes through; the bundled apps' variants and mutants are overrides of that description.
``running_target`` is the same as a context manager that always stops what it started.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

from harness.settings import Settings
from harness.targetfile import Described, load_target_file
from harness.targets.lifecycle import TargetUnavailable, check_runnable, start_described
from harness.targets.paths import TARGETS_DIR, require_source_checkout
from harness.targets.spotify import FakeSpotify

if TYPE_CHECKING:
    from collections.abc import Iterator

    from harness.targets.options import TargetOptions
    from harness.targets.target import Target

__all__ = [
    "BUNDLED_TARGETS",
    "TargetUnavailable",
    "bundled_description",
    "running_target",
    "start_target",
    "unavailable_reason",
]

BUNDLED_TARGETS: Final[dict[str, Path]] = {
    "express-vue": TARGETS_DIR / "express_vue" / "sentry-gate.toml",
    "python-api": TARGETS_DIR / "python_api" / "sentry-gate.toml",
}
"""Each bundled app's name and its target file."""


@cache
def _load(path: Path) -> Described:
    return load_target_file(path)


def bundled_description(name: str, settings: Settings | None = None) -> Described:
    """The target file standing for ``name``: the run's own file when its name is ``name`` (a user's file,
    or a copy of a bundled one), else the bundled app's. Read and validated once per process."""
    s = Settings.from_environ() if settings is None else settings
    if s.target_file is not None and s.target_name == name:
        return _load(s.target_file.resolve())
    path = BUNDLED_TARGETS.get(name)
    if path is None:
        raise ValueError(f"unknown bundled target {name!r}; choose from {', '.join(BUNDLED_TARGETS)}")
    require_source_checkout()
    return _load(path)


def unavailable_reason(name: str) -> str | None:
    """Why bundled app ``name`` cannot start here (a runtime or a build missing), or None."""
    described = bundled_description(name)
    try:
        check_runnable(name, described.model.app, described)
    except TargetUnavailable as exc:
        return str(exc)
    return None


def start_target(
    name: str,
    options: TargetOptions,
    log_dir: Path,
    *,
    spotify_url: str | None = None,
    ready_timeout: float | None = None,
    description: Described | None = None,
) -> Target:
    """Start bundled app ``name`` (or ``description``, a file standing for it) with its fake Spotify.

    ``spotify_url`` lets a chaos test put a fault proxy between the app and a Spotify it started: the
    file's ``spotify`` upstream then points there and its service is not started.
    """
    described = description or bundled_description(name)
    upstreams = {"spotify": spotify_url} if spotify_url is not None else None
    target = start_described(described, options, log_dir, upstream_urls=upstreams, ready_timeout=ready_timeout)
    if "fake-spotify" in target.services:
        target.spotify = FakeSpotify(target.services["fake-spotify"])
    return target


@contextmanager
def running_target(
    name: str,
    options: TargetOptions,
    log_dir: Path,
    *,
    spotify_url: str | None = None,
    ready_timeout: float | None = None,
) -> Iterator[Target]:
    """``start_target`` as a context manager: the target and its services stop on exit, always."""
    target = start_target(name, options, log_dir, spotify_url=spotify_url, ready_timeout=ready_timeout)
    try:
        yield target
    finally:
        target.stop()
