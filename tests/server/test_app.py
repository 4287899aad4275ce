"""The composed fake Sentry routes each path to its part: the ingest, the control API, the web API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness.ingest.state import IngestState, new_state
from harness.server import build_app

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[IngestState]:
    state = new_state(tmp_path)
    state.base_url = "http://ingest"
    state.add_project(1, KEY)
    yield state
    state.store.close()


def _get_and_post(state: IngestState) -> dict[str, httpx.Response]:
    transport = httpx.ASGITransport(app=build_app(state))

    async def calls() -> dict[str, httpx.Response]:
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as http:
            return {
                "ingest": await http.post(f"/api/1/store/?sentry_key={KEY}&sentry_version=7", content=b'{"a": 1}'),
                "control": await http.get("/_gate/projects"),
                "webapi": await http.get("/api/0/"),
                "webapi gate": await http.get("/api/0/_gate/config"),
                "unknown": await http.get("/nowhere"),
            }

    return asyncio.run(calls())


def test_each_path_reaches_its_part(state: IngestState) -> None:
    answers = _get_and_post(state)
    assert answers["ingest"].status_code == 200
    assert len(answers["ingest"].json()["id"]) == 32
    assert [p["id"] for p in answers["control"].json()] == [1]
    assert answers["webapi"].json() == {"version": "0", "auth": None, "user": None}
    assert answers["webapi gate"].json()["chunk_size"] == 8 * 1024 * 1024
    assert answers["unknown"].status_code == 404


def test_the_web_api_keeps_its_data_beside_the_ingest_store(state: IngestState, tmp_path: Path) -> None:
    _get_and_post(state)
    assert (tmp_path / "webapi.sqlite3").exists()
    assert state.store.path.parent == tmp_path
