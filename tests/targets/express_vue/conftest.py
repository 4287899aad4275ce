"""Fixtures the Express + Vue test modules share, scoped to the folder so each starts once per run.

Node.js and the built client are prerequisites (missing: skip, or fail under ``CI``). Every server
configuration starts against one fake Spotify, the production target alone first (so its start-up time is
its own), then the whole fleet a few at a time; pages share one Chromium.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.common.browser import chromium_for_tests
from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient
from harness.targets.fixtures import TargetFactory
from harness.targets.paths import REPO_ROOT
from harness.targets.spotify import FakeSpotify
from harness.targets.target import Target

from .express import CLIENT, FLEET, RELEASE, SERVER, SPOTIFY_EMAIL, SPOTIFY_NAME


@pytest.fixture(scope="package")
def node() -> str:
    node = shutil.which("node")
    if node is None:
        unavailable("Node.js (`node`) is not on PATH")
    for needed in (SERVER / "node_modules" / "@sentry" / "node", CLIENT / "dist" / "index.html"):
        if not needed.exists():
            unavailable(f"{needed.relative_to(REPO_ROOT)} is missing: run targets/express_vue/build.sh")
    return node


@pytest.fixture(scope="package")
def spotify(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSpotify]:
    fake = FakeSpotify.start(tmp_path_factory.mktemp("spotify"))
    try:
        fake.set_user(display_name=SPOTIFY_NAME, email=SPOTIFY_EMAIL)
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="package")
def factory(
    node: str, sentry_ingest: IngestClient, spotify: FakeSpotify, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Target]]:
    targets = TargetFactory(sentry_ingest, tmp_path_factory.mktemp("express"), label="express_vue")

    def start(**kwargs: Any) -> Target:
        # A short upstream deadline keeps the timeout check quick; nothing else here is slow upstream.
        extra_env = {"SPOTIFY_TIMEOUT_MS": "1000", **kwargs.pop("extra_env", {})}
        release = kwargs.pop("release", RELEASE)
        return targets("express-vue", release=release, spotify_url=spotify.url, extra_env=extra_env, **kwargs)

    try:
        yield start
    finally:
        targets.stop_all()


@pytest.fixture(scope="package")
def production(factory: Callable[..., Target]) -> Target:
    """The hardened production target, started alone so its start-up time is its own."""
    return factory()


@pytest.fixture(scope="package")
def fleet(factory: Callable[..., Target], production: Target) -> dict[str, Target]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(factory, **kwargs) for key, kwargs in FLEET.items()}
        return {"production": production, **{key: f.result() for key, f in futures.items()}}


@pytest.fixture(scope="package")
def chromium(node: str) -> Iterator[Any]:
    """The shared headless Chromium (missing: skip, or fail under ``CI``)."""
    yield from chromium_for_tests()
