"""A control API reachable from another host needs the token; loopback callers never do."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from harness.ingest.state import new_state
from harness.server import build_app


@pytest.fixture
def app_and_token(tmp_path: Path) -> Iterator[tuple[ASGIApp, str]]:
    state = new_state(tmp_path)
    state.control_token = "s3cret-token"
    yield build_app(state), "s3cret-token"
    state.store.close()


@pytest.mark.parametrize(
    ("client", "token", "path", "status"),
    [
        (("10.1.2.3", 5000), None, "/_gate/projects", 401),
        (("10.1.2.3", 5000), "wrong", "/_gate/projects", 401),
        (("10.1.2.3", 5000), "s3cret-token", "/_gate/projects", 200),
        (("127.0.0.1", 5000), None, "/_gate/projects", 200),
        # the web API's gate-only routes are control routes; its Sentry routes check sentry-cli's tokens
        (("10.1.2.3", 5000), None, "/api/0/_gate/requests", 401),
        (("10.1.2.3", 5000), "s3cret-token", "/api/0/_gate/requests", 200),
        (("10.1.2.3", 5000), None, "/api/0/", 200),
    ],
)
def test_control_token(
    app_and_token: tuple[ASGIApp, str], client: tuple[str, int], token: str | None, path: str, status: int
) -> None:
    app, _ = app_and_token
    transport = httpx.ASGITransport(app=app, client=client)
    headers = {"authorization": f"Bearer {token}"} if token else {}

    async def call() -> int:
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as http:
            return (await http.get(path, headers=headers)).status_code

    assert asyncio.run(call()) == status
