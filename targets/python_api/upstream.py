"""The Spotify routes: a thin proxy to the Web API with the caller's bearer token.

Upstream failures are the app's to report: a 429 or 5xx answer is passed on with its status and
captured as an error; a 401 is the user's problem (captured as a warning message); a network failure
answers 502 and no answer within 5 s answers 504, both captured. Each capture carries the tag
``upstream.status``. Two mutants change this: ``upstream-errors-swallowed`` (empty 200s, nothing
captured) and ``no-upstream-timeout`` (no deadline at all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import httpx
import sentry_sdk
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from starlette.requests import Request

    from .settings import Settings

__all__ = ["UPSTREAM_TIMEOUT", "SpotifyProxy", "UpstreamError"]

UPSTREAM_TIMEOUT: Final = 5.0


class UpstreamError(RuntimeError):
    """Spotify answered with an error, failed, or did not answer in time."""

    def __init__(self, message: str, status: int, upstream_status: str) -> None:
        super().__init__(message)
        self.status = status
        self.upstream_status = upstream_status
        self.retry_after: str | None = None


class SpotifyProxy:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.swallow = settings.is_mutant("upstream-errors-swallowed")
        timeout = None if settings.is_mutant("no-upstream-timeout") else UPSTREAM_TIMEOUT
        self.client = httpx.AsyncClient(timeout=timeout, trust_env=False)

    async def aclose(self) -> None:
        await self.client.aclose()

    def routes(self) -> list[Route]:
        return [
            Route("/api/spotify/search", self.search),
            Route("/api/spotify/tracks/{id}", self.track),
            Route("/api/spotify/me", self.me),
            Route("/api/auth/callback", self.callback),
        ]

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        """The upstream's JSON answer; raises ``UpstreamError`` for an error status, failure or timeout."""
        try:
            answer = await self.client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            ms = int(UPSTREAM_TIMEOUT * 1000)
            raise UpstreamError(f"Spotify did not answer within {ms} ms", 504, "timeout") from None
        except httpx.TransportError as exc:
            raise UpstreamError(f"Spotify unreachable: {type(exc).__name__}", 502, "network") from None
        if answer.status_code >= 400:
            error = UpstreamError(f"Spotify answered {answer.status_code}", answer.status_code, str(answer.status_code))
            error.retry_after = answer.headers.get("retry-after")
            raise error
        return answer.json() if answer.content else {}

    def _failed(self, error: UpstreamError, empty: dict[str, Any]) -> Response:
        if self.swallow:
            return JSONResponse(empty)
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("upstream.status", error.upstream_status)
            # A 401 is the user's expired token, not our fault: reported, but as a warning.
            scope.set_level("warning" if error.status == 401 else "error")
            sentry_sdk.capture_exception(error)
        body = {"error": {"status": error.status, "message": str(error)}}
        headers = {"Retry-After": error.retry_after} if error.retry_after else None
        return JSONResponse(body, error.status, headers=headers)

    async def _proxy(self, request: Request, url: str, empty: dict[str, Any], **kwargs: Any) -> Response:
        try:
            # The client holds the user's bearer token; it is passed upstream as it came.
            bearer = request.headers.get("authorization")
            headers = {"Authorization": bearer} if bearer else {}
            return JSONResponse(await self._call("GET", url, headers=headers, **kwargs))
        except UpstreamError as error:
            return self._failed(error, empty)

    async def search(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        if not query:
            return JSONResponse({"error": {"status": 400, "message": "q is required"}}, 400)
        params = {"q": query, "type": "track", "limit": "10"}
        empty = {"tracks": {"items": [], "total": 0}}
        return await self._proxy(request, f"{self.settings.spotify_api_url}/search", empty, params=params)

    async def track(self, request: Request) -> Response:
        track_id = quote(str(request.path_params["id"]), safe="")
        return await self._proxy(request, f"{self.settings.spotify_api_url}/tracks/{track_id}", {})

    async def me(self, request: Request) -> Response:
        return await self._proxy(request, f"{self.settings.spotify_api_url}/me", {})

    async def callback(self, request: Request) -> Response:
        code, state = request.query_params.get("code"), request.query_params.get("state")
        if not code or not state:
            return JSONResponse({"error": {"status": 400, "message": "code and state are required"}}, 400)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": str(request.url.replace(query="")),
        }
        try:
            token = await self._call("POST", f"{self.settings.spotify_accounts_url}/api/token", data=form)
        except UpstreamError as error:
            return self._failed(error, {})
        return JSONResponse({k: token.get(k) for k in ("access_token", "token_type", "expires_in")})
