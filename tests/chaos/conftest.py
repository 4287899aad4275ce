"""Fixtures for the chaos tests. ``chaos_runner``/``fault_proxy`` come from harness.chaos.fixtures
(imported here until the sentry-gate plugin registers them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.chaos import ChaosRunner
from tests.chaos.loopback import EchoServer, HttpServer

__all__ = ["echo_server", "http_server"]


@pytest.fixture
def echo_server(chaos_runner: ChaosRunner) -> Iterator[EchoServer]:
    server = EchoServer(chaos_runner).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http_server(chaos_runner: ChaosRunner) -> Iterator[HttpServer]:
    server = HttpServer(chaos_runner).start()
    try:
        yield server
    finally:
        server.stop()
