"""Pytest fixtures that give suites a running target wired to the ingest (registered by the plugin).

- ``target_factory`` (module): ``make(name, environment=..., mutant=..., ...)`` starts a bundled target
  with a fresh server project and browser project on ``sentry_ingest``, and stops it at module end.
- ``target`` (module, parametrized over ``express-vue`` and ``python-api``): one target per module
  and server, configured by the module's ``sentry_target`` marker, e.g.
  ``pytestmark = pytest.mark.sentry_target(environment="staging", extra_env={"ENABLE_SENTRY": "true"})``.
  Tests sharing it mark their own traffic (``X-Gate-Marker`` or a fault marker) and match on it.

A target that cannot run here (no Node.js, the client not built) is a missing prerequisite: skipped with
the reason, except when ``CI`` is set (`harness.common.prerequisites.unavailable`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

import pytest

from harness.common.prerequisites import unavailable
from harness.ingest import ProjectHandle, ProjectInfo
from harness.settings import Settings
from harness.targets.launcher import BUNDLED_TARGETS, TargetUnavailable, bundled_description, start_target
from harness.targets.options import DEFAULT_RELEASE, TargetOptions, new_fault_token

if TYPE_CHECKING:
    from pathlib import Path

    from harness.ingest import IngestClient
    from harness.targetfile import Described
    from harness.targets.target import Target

__all__ = ["TARGET_MARKER", "TargetFactory", "target", "target_factory"]

TARGET_MARKER: Final = (
    "sentry_target(environment='production', release=..., variant='hardened', mutant=None, extra_env={}): "
    "how the module's `target` fixture starts its bundled targets"
)


class TargetFactory:
    """Starts bundled targets with their own ingest projects; ``stop_all`` stops every one of them."""

    def __init__(self, ingest: IngestClient, log_root: Path, label: str = "", settings: Settings | None = None) -> None:
        self.ingest = ingest
        self.log_root = log_root
        self.label = label
        self.settings = Settings.from_environ() if settings is None else settings
        self.started: list[Target] = []
        self._sequence = itertools.count()  # log folder names, unique even when targets start in parallel

    def __call__(
        self,
        name: str,
        *,
        environment: str = "production",
        release: str | None = DEFAULT_RELEASE,
        variant: str = "hardened",
        mutant: str | None = None,
        extra_env: Mapping[str, str | None] | None = None,
        fault_token: str | None = "",
        spotify_url: str | None = None,
    ) -> Target:
        """Start bundled target ``name``. ``fault_token`` "" makes a fresh one; None leaves the gate routes off."""
        described = bundled_description(name, self.settings)
        server = ProjectHandle(self.ingest, self.ingest.create_project(f"{self.label} {name} server".strip()))
        browser = ProjectHandle(self.ingest, self._browser_project(name, described))
        options = TargetOptions(
            environment=environment,
            release=release,
            variant=variant,
            mutant=mutant,
            server_dsn=server.dsn,
            browser_dsn=browser.dsn,
            fault_token=new_fault_token() if fault_token == "" else fault_token,
            extra_env=dict(extra_env or {}),
        )
        log_dir = self.log_root / f"{next(self._sequence):02d}-{name}-{options.describe().replace('/', '-')}"
        try:
            started = start_target(name, options, log_dir, spotify_url=spotify_url, description=described)
        except TargetUnavailable as exc:
            unavailable(str(exc))
        started.server_project, started.browser_project = server, browser
        self.started.append(started)
        return started

    def _browser_project(self, name: str, described: Described) -> ProjectInfo:
        """A fresh browser project, or the run's one when the page has its DSN built in (one build per run:
        the run created that project before the build, and tests tell their page traffic apart by marks)."""
        baked = described.model.sentry.browser_dsn_at == "build"
        if baked and self.settings.browser_project is not None:
            for project in self.ingest.projects():
                if project.id == self.settings.browser_project:
                    return project
        return self.ingest.create_project(f"{self.label} {name} browser".strip())

    def stop_all(self) -> None:
        """Stop every target, side by side (each waits for its own graceful shutdown); re-raise the first error."""
        started, self.started = self.started, []
        if not started:
            return
        with ThreadPoolExecutor(max_workers=min(8, len(started))) as pool:
            outcomes = [pool.submit(t.stop) for t in started]
        errors = [e for e in (o.exception() for o in outcomes) if e is not None]
        if errors:
            raise errors[0]


@pytest.fixture(scope="module")
def target_factory(
    request: pytest.FixtureRequest,
    sentry_ingest: IngestClient,
    tmp_path_factory: pytest.TempPathFactory,
    gate_settings: Settings,
) -> Iterator[TargetFactory]:
    factory = TargetFactory(
        sentry_ingest, tmp_path_factory.mktemp("targets"), label=request.node.name, settings=gate_settings
    )
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture(scope="module", params=list(BUNDLED_TARGETS))
def target(request: pytest.FixtureRequest, target_factory: TargetFactory) -> Target:
    marker = request.node.get_closest_marker("sentry_target")
    config: dict[str, Any] = dict(marker.kwargs) if marker else {}
    name: str = request.param
    return target_factory(name, **config)
