"""A control API reachable from another host needs the token; loopback callers never do."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.ingest.app import new_state
from harness.ingest.control import build_control_app


@pytest.fixture
def app_and_token(tmp_path: Path) -> Iterator[tuple[object, str]]:
    state = new_state(tmp_path)
    state.control_token = "s3cret-token"
    yield build_control_app(state), "s3cret-token"
    state.store.close()


@pytest.mark.parametrize(
    ("client", "token", "status"),
    [
        (("10.1.2.3", 5000), None, 401),
        (("10.1.2.3", 5000), "wrong", 401),
        (("10.1.2.3", 5000), "s3cret-token", 200),
        (("127.0.0.1", 5000), None, 200),
    ],
)
def test_control_token(
    app_and_token: tuple[object, str], client: tuple[str, int], token: str | None, status: int
) -> None:
    app, _ = app_and_token
    transport = httpx.ASGITransport(app=app, client=client)  # type: ignore[arg-type]
    headers = {"authorization": f"Bearer {token}"} if token else {}

    async def call() -> int:
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as http:
            return (await http.get("/_gate/projects", headers=headers)).status_code

    import asyncio

    assert asyncio.run(call()) == status
