"""The fake Spotify Web API as an ASGI app: the endpoints the reference targets call, plus a control API.

API (shapes as Spotify's): ``GET /v1/search?q=&type=track&limit=&offset=``, ``GET /v1/tracks/{id}``,
``GET /v1/me`` (all need ``Authorization: Bearer <token>``) and ``POST /api/token`` (the accounts
service's token exchange, form-encoded). Control (for tests, never for targets):
``GET /__control/health``; ``GET|POST|DELETE /__control/faults``; ``PUT /__control/latency``
(``{"delay_ms": N}``, a fixed delay on every API answer); ``PUT /__control/user``;
``GET|DELETE /__control/requests`` (what the fake was asked, newest last);
``GET /__control/in-flight?at_least=N&timeout=S`` (long-polls until N API calls are being answered).

It must never reach the network: every URL it hands out points at itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import threading
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .catalogue import DEFAULT_USER, is_track_id, search_tracks, track_by_id, user_json
from .faults import Fault, FaultBook, fault_from_query, parse_fault, parse_faults

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from starlette.requests import Request

__all__ = ["FakeSpotifyState", "create_app"]

_REQUEST_LOG_LIMIT = 2000


class FakeSpotifyState:
    """Mutable state of one fake: faults, fixed latency, the user, and the request log."""

    def __init__(self, faults: list[Fault] | None = None, latency_ms: int = 0) -> None:
        self.faults = FaultBook(faults)
        self.latency_ms = latency_ms
        self.user: dict[str, str] = dict(DEFAULT_USER)
        self._lock = threading.Lock()
        self._requests: deque[dict[str, Any]] = deque(maxlen=_REQUEST_LOG_LIMIT)
        self._seen = 0
        self._in_flight = 0
        self._in_flight_changed = asyncio.Condition()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> FakeSpotifyState:
        env = os.environ if environ is None else environ
        faults = parse_faults(env["FAKE_SPOTIFY_FAULTS"]) if env.get("FAKE_SPOTIFY_FAULTS") else []
        return cls(faults, latency_ms=int(env.get("FAKE_SPOTIFY_LATENCY_MS", "0") or "0"))

    def record(self, request: Request, status: int) -> None:
        with self._lock:
            self._seen += 1
            self._requests.append(
                {
                    "seq": self._seen,
                    "method": request.method,
                    "path": request.url.path,
                    "query": request.url.query,
                    "headers": {k.lower(): v for k, v in request.headers.items()},
                    "status": status,
                }
            )

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Counts an API call as in flight while it is being answered (slow faults included)."""
        await self._count_in_flight(+1)
        try:
            yield
        finally:
            await self._count_in_flight(-1)

    async def _count_in_flight(self, delta: int) -> None:
        async with self._in_flight_changed:
            self._in_flight += delta
            self._in_flight_changed.notify_all()

    async def wait_in_flight(self, at_least: int) -> int:
        """Wait until ``at_least`` API calls are in flight; returns how many are (bound it with a timeout)."""
        async with self._in_flight_changed:
            await self._in_flight_changed.wait_for(lambda: self._in_flight >= at_least)
            return self._in_flight

    def in_flight(self) -> int:
        return self._in_flight

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status, headers=headers)


def _expired() -> JSONResponse:
    return _error(
        401,
        "The access token expired",
        {
            "WWW-Authenticate": 'Bearer realm="spotify", error="invalid_token", '
            'error_description="The access token expired"'
        },
    )


async def _apply(fault: Fault) -> Response | None:
    """The answer a fault forces, or None when it only delays."""
    if fault.kind == "slow":
        await asyncio.sleep(fault.delay_ms / 1000)  # sleep-ok: the fault *is* a slow answer
        return None
    if fault.kind == "expired-token":
        return _expired()
    if fault.kind == "rate-limit":
        return _error(429, "API rate limit exceeded", {"Retry-After": str(fault.retry_after)})
    return _error(fault.status, "Service unavailable" if fault.status == 503 else "Server error")


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def create_app(state: FakeSpotifyState | None = None) -> Starlette:
    st = state if state is not None else FakeSpotifyState()

    async def misbehave(request: Request, one_off: Fault | None = None) -> Response | None:
        if st.latency_ms:
            await asyncio.sleep(st.latency_ms / 1000)  # sleep-ok: the upstream's fixed latency
        for fault in (one_off, st.faults.take(request.url.path)):
            if fault is not None and (forced := await _apply(fault)) is not None:
                return forced
        return None

    def bearer_problem(request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _error(401, "No token provided")
        if token.startswith("expired"):
            return _expired()
        return None

    async def answer(request: Request, one_off: Fault | None, build: Callable[[], Response]) -> Response:
        async with st.serving():
            response = await misbehave(request, one_off) or bearer_problem(request) or build()
        st.record(request, response.status_code)
        return response

    async def search(request: Request) -> Response:
        query = request.query_params.get("q", "")

        def build() -> Response:
            if not query:
                return _error(400, "No search query")
            kinds = request.query_params.get("type", "track").split(",")
            if "track" not in kinds:
                return _error(400, "Only type=track is supported by this fake")
            try:
                limit = int(request.query_params.get("limit", "20"))
                offset = int(request.query_params.get("offset", "0"))
            except ValueError:
                return _error(400, "Invalid limit or offset")
            if not (0 <= limit <= 50 and 0 <= offset <= 1000):
                return _error(400, "Invalid limit or offset")
            found = search_tracks(query)
            base = _base_url(request)
            page = found[offset : offset + limit]
            href = f"{base}/v1/search?q={query}&type=track&offset={offset}&limit={limit}"

            def page_href(start: int) -> str:
                return href.replace(f"offset={offset}", f"offset={start}")

            return JSONResponse(
                {
                    "tracks": {
                        "href": href,
                        "items": [t.to_json(base) for t in page],
                        "limit": limit,
                        "offset": offset,
                        "total": len(found),
                        "next": None if offset + limit >= len(found) else page_href(offset + limit),
                        "previous": None if offset == 0 else page_href(max(0, offset - limit)),
                    }
                }
            )

        return await answer(request, fault_from_query(query), build)

    async def track(request: Request) -> Response:
        track_id = str(request.path_params["id"])

        def build() -> Response:
            if not is_track_id(track_id):
                return _error(400, "Invalid base62 id")
            found = track_by_id(track_id)
            if found is None:
                return _error(404, "Non existing id")
            return JSONResponse(found.to_json(_base_url(request)))

        return await answer(request, None, build)

    async def me(request: Request) -> Response:
        return await answer(request, None, lambda: JSONResponse(user_json(st.user, _base_url(request))))

    async def token(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        async with st.serving():
            response = await misbehave(request) or _token_answer(form)
        st.record(request, response.status_code)
        return response

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                st.faults.add(parse_fault(json.loads(await request.body())))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                return JSONResponse({"error": str(exc)}, 400)
        elif request.method == "DELETE":
            st.faults.clear()
        return JSONResponse({"faults": [_fault_json(f) for f in st.faults.active()]})

    async def latency(request: Request) -> Response:
        try:
            delay = json.loads(await request.body())["delay_ms"]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'expected {"delay_ms": <int>}'}, 400)
        if not isinstance(delay, int) or not 0 <= delay <= 120_000:
            return JSONResponse({"error": "delay_ms must be an integer in [0, 120000]"}, 400)
        st.latency_ms = delay
        return JSONResponse({"delay_ms": delay})

    async def user(request: Request) -> Response:
        try:
            data = json.loads(await request.body())
        except ValueError:
            data = None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            return JSONResponse({"error": "expected an object of strings"}, 400)
        st.user = {**DEFAULT_USER, **data}
        return JSONResponse(st.user)

    async def in_flight(request: Request) -> Response:
        try:
            at_least = int(request.query_params.get("at_least", "1"))
            timeout = min(float(request.query_params.get("timeout", "10")), 60.0)
        except ValueError:
            return JSONResponse({"error": "at_least must be an integer, timeout a number"}, 400)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await st.wait_in_flight(at_least)
        return JSONResponse({"in_flight": st.in_flight()})

    async def requests_log(request: Request) -> Response:
        if request.method == "DELETE":
            st.clear_requests()
        return JSONResponse({"requests": st.requests()})

    app = Starlette(
        routes=[
            Route("/v1/search", search),
            Route("/v1/tracks/{id}", track),
            Route("/v1/me", me),
            Route("/api/token", token, methods=["POST"]),
            Route("/__control/health", health),
            Route("/__control/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route("/__control/latency", latency, methods=["PUT"]),
            Route("/__control/user", user, methods=["PUT"]),
            Route("/__control/requests", requests_log, methods=["GET", "DELETE"]),
            Route("/__control/in-flight", in_flight),
        ]
    )
    app.state.fake = st
    return app


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "kind": fault.kind,
        "status": fault.status,
        "retry_after": fault.retry_after,
        "delay_ms": fault.delay_ms,
        "times": fault.times,
        "path": fault.path,
    }


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, 400)


def _token_answer(form: dict[str, str]) -> Response:
    grant = form.get("grant_type", "")
    if grant == "authorization_code":
        code = form.get("code", "")
        if not code or code.startswith("invalid"):
            return _oauth_error("invalid_grant", "Invalid authorization code")
        prefix = "expired" if code.startswith("expired") else "fake"
        seed = code
    elif grant == "refresh_token":
        if not form.get("refresh_token"):
            return _oauth_error("invalid_request", "refresh_token must be supplied")
        prefix, seed = "fake", form["refresh_token"]
    elif grant == "client_credentials":
        prefix, seed = "fake-cc", "client-credentials"
    else:
        return _oauth_error("unsupported_grant_type", f"grant_type {grant!r}")
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return JSONResponse(
        {
            "access_token": f"{prefix}-{digest[:32]}",
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": f"refresh-{digest[32:56]}",
            "scope": "user-read-email user-read-private",
        }
    )
