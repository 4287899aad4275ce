"""A bundled target with fault proxies on both of its outbound paths: to Sentry and to Spotify.

``start_rig("python-api", ingest, runner, log_dir)`` starts a fake Spotify, one fault proxy in front
of it and one in front of the ingest, then the target with ``SPOTIFY_API_URL`` and its server DSN
pointing at the proxies. Faults on the wire go on the proxies; faults in answers stay with the
ingest's and the fake Spotify's own fault switches. The browser DSN goes straight to the ingest,
unless ``browser_through_proxy``: then it goes through the Sentry proxy too, so disabling that proxy
takes Sentry down for the page as well (the browser journey with Sentry down). `ChaosRig.stop`
stops every part even when another fails (and then raises).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.chaos.runner import ChaosRunner, ProxyHandle
from harness.chaos.spec import parse_address
from harness.ingest import IngestClient, ProjectHandle
from harness.targets import FakeSpotify, Target, TargetOptions, start_target

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ChaosRig", "proxied_dsn", "running_rig", "start_rig"]


def proxied_dsn(dsn: str, proxy: ProxyHandle) -> str:
    """The same DSN (key, project) with its host and port replaced by the proxy's."""
    scheme, rest = dsn.split("://", 1)
    auth, _, tail = rest.partition("@")
    _, _, path = tail.partition("/")
    return f"{scheme}://{auth}@{proxy.listen}/{path}"


@dataclass
class ChaosRig:
    target: Target
    spotify: FakeSpotify
    spotify_proxy: ProxyHandle
    sentry_proxy: ProxyHandle
    server_project: ProjectHandle
    browser_project: ProjectHandle
    runner: ChaosRunner

    @property
    def name(self) -> str:
        return self.target.name

    def reset_faults(self) -> None:
        """No toxic on either proxy, both enabled, no scripted fault on the fake Spotify or the ingest project."""
        self.spotify_proxy.reset()
        self.sentry_proxy.reset()
        self.spotify.clear_faults()
        self.server_project.client.clear_faults()

    def stop(self) -> None:
        with contextlib.ExitStack() as stack:
            stack.callback(self.runner.remove_proxy, self.sentry_proxy.name)
            stack.callback(self.runner.remove_proxy, self.spotify_proxy.name)
            stack.callback(self.spotify.stop)
            stack.callback(self.target.stop)


def start_rig(
    name: str,
    ingest: IngestClient,
    runner: ChaosRunner,
    log_dir: Path,
    *,
    environment: str = "production",
    mutant: str | None = None,
    extra_env: Mapping[str, str | None] | None = None,
    browser_through_proxy: bool = False,
) -> ChaosRig:
    label = f"chaos {name} {secrets.token_hex(3)}"
    server = ProjectHandle(ingest, ingest.create_project(f"{label} server"))
    browser = ProjectHandle(ingest, ingest.create_project(f"{label} browser"))
    with contextlib.ExitStack() as undo:
        spotify = FakeSpotify.start(log_dir / "spotify")
        undo.callback(spotify.stop)
        spotify_proxy = runner.create_proxy(parse_address(spotify.url), name=f"{label} spotify")
        undo.callback(runner.remove_proxy, spotify_proxy.name)
        sentry_proxy = runner.create_proxy(parse_address(ingest.url), name=f"{label} sentry")
        undo.callback(runner.remove_proxy, sentry_proxy.name)
        options = TargetOptions(
            environment=environment,
            mutant=mutant,
            server_dsn=proxied_dsn(server.dsn, sentry_proxy),
            browser_dsn=proxied_dsn(browser.dsn, sentry_proxy) if browser_through_proxy else browser.dsn,
            extra_env=dict(extra_env or {}),
        )
        target = start_target(name, options, log_dir / "target", spotify_url=spotify_proxy.url())
        undo.pop_all()
    target.server_project, target.browser_project = server, browser
    return ChaosRig(target, spotify, spotify_proxy, sentry_proxy, server, browser, runner)


@contextlib.contextmanager
def running_rig(
    name: str,
    ingest: IngestClient,
    runner: ChaosRunner,
    log_dir: Path,
    *,
    environment: str = "production",
    mutant: str | None = None,
    extra_env: Mapping[str, str | None] | None = None,
    browser_through_proxy: bool = False,
) -> Iterator[ChaosRig]:
    rig = start_rig(
        name,
        ingest,
        runner,
        log_dir,
        environment=environment,
        mutant=mutant,
        extra_env=extra_env,
        browser_through_proxy=browser_through_proxy,
    )
    try:
        yield rig
    finally:
        rig.stop()
