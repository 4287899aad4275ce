"""The fake Spotify: Spotify's shapes, deterministic data, and each fault switch.

Most tests run the ASGI app in-process (no socket); one starts the real process to check the ready
line, loopback binding and the control handle the launcher gives tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from harness.targets import FakeSpotify
from targets.fake_spotify import FakeSpotifyState, create_app
from targets.fake_spotify.catalogue import TRACKS, search_tracks, spotify_id
from targets.fake_spotify.faults import Fault, FaultBook, fault_from_query, parse_faults

BEARER = {"Authorization": "Bearer fake-token"}
pytestmark = pytest.mark.anyio


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(FakeSpotifyState())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://spotify.test") as client:
        yield client


def test_catalogue_is_deterministic_and_ids_are_base62() -> None:
    assert len(TRACKS) == 64
    assert len({t.id for t in TRACKS}) == 64
    assert TRACKS[0].id == spotify_id("track:0")
    assert all(len(t.id) == 22 and t.id.isalnum() for t in TRACKS)
    # Same seed, same answer: across processes too, since nothing depends on hash randomisation.
    assert [t.name for t in search_tracks("midnight")] == [t.name for t in search_tracks("MIDNIGHT")]


async def test_search_answers_spotify_paging_shape(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/search", params={"q": "sessions", "type": "track", "limit": 5}, headers=BEARER)
    assert response.status_code == 200
    tracks = response.json()["tracks"]
    assert tracks["total"] == 64
    assert tracks["limit"] == 5
    assert tracks["offset"] == 0
    assert len(tracks["items"]) == 5
    assert tracks["previous"] is None
    assert "offset=5" in tracks["next"]
    item = tracks["items"][0]
    assert item["type"] == "track"
    assert item["uri"] == f"spotify:track:{item['id']}"
    assert item["href"].startswith("http://spotify.test/v1/tracks/")  # never a real host
    assert {"album", "artists", "duration_ms", "popularity"} <= item.keys()


async def test_track_me_and_errors(api: httpx.AsyncClient) -> None:
    track = TRACKS[3]
    assert (await api.get(f"/v1/tracks/{track.id}", headers=BEARER)).json()["name"] == track.name
    assert (await api.get("/v1/tracks/0000000000000000000000", headers=BEARER)).status_code == 404
    assert (await api.get("/v1/tracks/not-an-id", headers=BEARER)).status_code == 400
    assert (await api.get("/v1/search", params={"q": ""}, headers=BEARER)).status_code == 400
    me = (await api.get("/v1/me", headers=BEARER)).json()
    assert me["type"] == "user"
    assert me["email"] == "listener@example.test"
    missing = await api.get("/v1/me")
    assert missing.status_code == 401
    assert missing.json()["error"]["message"] == "No token provided"


async def test_token_exchange(api: httpx.AsyncClient) -> None:
    first = (await api.post("/api/token", data={"grant_type": "authorization_code", "code": "c1"})).json()
    again = (await api.post("/api/token", data={"grant_type": "authorization_code", "code": "c1"})).json()
    assert first == again
    assert first["token_type"] == "Bearer"
    assert first["expires_in"] == 3600
    assert (
        await api.post("/api/token", data={"grant_type": "authorization_code", "code": "invalid"})
    ).status_code == 400
    assert (await api.post("/api/token", data={"grant_type": "password"})).json()["error"] == "unsupported_grant_type"
    expired = (await api.post("/api/token", data={"grant_type": "authorization_code", "code": "expired-x"})).json()
    answer = await api.get("/v1/me", headers={"Authorization": f"Bearer {expired['access_token']}"})
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "The access token expired"
    assert "invalid_token" in answer.headers["www-authenticate"]


async def test_control_faults_answer_like_spotify_and_count_down(api: httpx.AsyncClient) -> None:
    added = await api.post("/__control/faults", json={"kind": "rate-limit", "retry_after": 7, "times": 2})
    assert added.status_code == 200
    answers = [await api.get("/v1/me", headers=BEARER) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["retry-after"] == "7"

    await api.post("/__control/faults", json={"kind": "server-error", "status": 502, "path": "/v1/search"})
    assert (await api.get("/v1/me", headers=BEARER)).status_code == 200  # other paths untouched
    assert (await api.get("/v1/search", params={"q": "echo"}, headers=BEARER)).status_code == 502
    await api.delete("/__control/faults")
    assert (await api.get("/v1/search", params={"q": "echo"}, headers=BEARER)).status_code == 200

    await api.post("/__control/faults", json={"kind": "expired-token", "times": 1})
    assert (await api.get("/v1/me", headers=BEARER)).status_code == 401
    bad = await api.post("/__control/faults", json={"kind": "explode"})
    assert bad.status_code == 400
    assert "unknown fault kind" in bad.json()["error"]


async def test_one_request_faults_from_the_query(api: httpx.AsyncClient) -> None:
    async def search(q: str) -> httpx.Response:
        return await api.get("/v1/search", params={"q": q}, headers=BEARER)

    assert (await search("fault:expired")).status_code == 401
    limited = await search("fault:429:9")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "9"
    assert (await search("fault:5xx")).status_code == 503
    assert (await search("fault:504")).status_code == 504
    started = time.monotonic()
    assert (await search("fault:slow:150")).status_code == 200
    assert time.monotonic() - started >= 0.15  # the injected delay, a floor by construction: cannot fail


async def test_in_flight_calls_can_be_awaited(api: httpx.AsyncClient) -> None:
    """The call is held 60 s, so "still in flight when the wait returned" is a deadline no stall reaches
    (with 300 ms it timed one event-loop turn); it is then cancelled, which must end its count too."""
    slow = asyncio.ensure_future(api.get("/v1/search", params={"q": "fault:slow:60000"}, headers=BEARER))
    waited = await api.get("/__control/in-flight", params={"at_least": 1, "timeout": 5})
    assert waited.json() == {"in_flight": 1}
    assert not slow.done()
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert (await api.get("/__control/in-flight", params={"at_least": 1, "timeout": 0.05})).json() == {"in_flight": 0}


async def test_latency_user_and_request_log(api: httpx.AsyncClient) -> None:
    assert (await api.put("/__control/latency", json={"delay_ms": 120})).status_code == 200
    started = time.monotonic()
    await api.get("/v1/me", headers=BEARER)
    assert time.monotonic() - started >= 0.12  # the injected delay, a floor by construction: cannot fail
    await api.put("/__control/latency", json={"delay_ms": 0})
    assert (await api.put("/__control/latency", json={"delay_ms": -1})).status_code == 400

    await api.put("/__control/user", json={"display_name": "Canary Name", "email": "canary@example.test"})
    me = (await api.get("/v1/me", headers=BEARER)).json()
    assert (me["display_name"], me["email"]) == ("Canary Name", "canary@example.test")

    log = (await api.get("/__control/requests")).json()["requests"]
    assert [r["path"] for r in log] == ["/v1/me", "/v1/me"]
    assert log[0]["headers"]["authorization"] == "Bearer fake-token"
    assert (await api.delete("/__control/requests")).json()["requests"] == []


def test_fault_parsing_and_book() -> None:
    assert parse_faults('{"kind": "slow", "delay_ms": 10}') == [Fault("slow", delay_ms=10)]
    with pytest.raises(ValueError, match="status"):
        parse_faults('[{"kind": "server-error", "status": 404}]')
    with pytest.raises(ValueError, match="times"):
        parse_faults('{"kind": "slow", "times": 0}')
    assert fault_from_query("midnight") is None
    assert fault_from_query("fault:nonsense") is None
    book = FaultBook([Fault("server-error", times=1, path="/v1/me")])
    assert book.take("/v1/search") is None
    assert book.take("/v1/me") is not None
    assert book.take("/v1/me") is None
    assert book.active() == []


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSpotify]:
    spotify = FakeSpotify.start(
        tmp_path_factory.mktemp("spotify"), faults=[{"kind": "server-error", "times": 1}], latency_ms=1
    )
    try:
        yield spotify
    finally:
        spotify.stop()


def test_process_prints_ready_on_loopback_and_takes_env_faults(running: FakeSpotify) -> None:
    assert running.url.startswith("http://127.0.0.1:")
    assert Path(running.process.log_path).read_text().startswith("fake-spotify ready http://127.0.0.1:")
    with httpx.Client(base_url=running.url, trust_env=False) as client:
        assert client.get("/v1/me", headers=BEARER).status_code == 503  # FAKE_SPOTIFY_FAULTS, once
        assert client.get("/v1/me", headers=BEARER).status_code == 200
        running.add_fault("rate-limit", retry_after=3, times=1)
        assert client.get("/v1/me", headers=BEARER).headers["retry-after"] == "3"
        running.set_user(display_name="Handle User")
        assert client.get("/v1/me", headers=BEARER).json()["display_name"] == "Handle User"
        assert running.wait_in_flight(1, timeout=0.2) == 0  # nothing is being answered now
    assert [r["status"] for r in running.requests()] == [503, 200, 429, 200]
    running.clear_requests()
    assert running.requests() == []
