"""The ``shops`` fixture: the foreign shop started through the real lifecycle, stopped at teardown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.ingest import IngestClient
from tests.targets.foreign_shop.shop import Shops


@pytest.fixture
def shops(sentry_ingest: IngestClient, tmp_path: Path) -> Iterator[Shops]:
    factory = Shops(sentry_ingest, tmp_path)
    try:
        yield factory
    finally:
        factory.stop_all()
