"""Fixtures for the release tests: the web-API fixtures, the fixture client's builds, a Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.common.browser import chromium_for_tests
from harness.common.prerequisites import unavailable
from tests.release.fixture_client import ESBUILD, build_fixture

__all__ = ["builds", "chromium_browser", "fresh_copy"]


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture client built three ways: ``hardened`` (hidden maps), ``stale`` (shifted lines),
    ``referenced`` (maps linked from the bundles). Read-only: copy with ``fresh_copy`` before injecting."""
    if not ESBUILD.exists():
        unavailable("tests/release/fixture_client has no node_modules: run `make install-node`")
    root = tmp_path_factory.mktemp("fixture-builds")
    return {
        "hardened": build_fixture(root / "hardened"),
        "stale": build_fixture(root / "stale", shift=7),
        "referenced": build_fixture(root / "referenced", referenced_maps=True),
    }


@pytest.fixture
def fresh_copy(tmp_path: Path, builds: dict[str, Path]) -> Any:
    def copy(name: str) -> Path:
        target = tmp_path / name
        n = 1
        while target.exists():
            n += 1
            target = tmp_path / f"{name}-{n}"
        shutil.copytree(builds[name], target)
        return target

    return copy


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    yield from chromium_for_tests()
