"""The Python twin's ASGI app: monitoring, Spotify proxy, login, test hooks and the built client.

Routes and answers follow targets/README.md ("Routes"), the same as the Express server's. The SDK is
initialised before this module builds anything (``__main__``), as ``node --import`` does for Express.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import resource
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sentry_sdk
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .client import ClientFiles, not_found
from .gate import GateHeadersMiddleware, gate_routes, with_gate_throw
from .sentry_setup import last_event_id
from .upstream import SpotifyProxy

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .settings import Settings

__all__ = ["SHUTDOWN_FLUSH_TIMEOUT", "create_app"]

SHUTDOWN_FLUSH_TIMEOUT = 2.0
_STARTED = time.monotonic()
logger = logging.getLogger("targets.python_api")
_INTERNAL_ERROR = {"error": {"status": 500, "message": "Internal Server Error"}}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BlockingFlushMiddleware:
    """``blocking-transport``: every response waits for the SDK to flush (up to 10 s) before it starts,
    so a slow or black-holed ingest slows or hangs the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_after_flush(message: Message) -> None:
            if message["type"] == "http.response.start":
                await asyncio.to_thread(sentry_sdk.flush, 10.0)
            await send(message)

        await self.app(scope, receive, send_after_flush)


class KeepConnectionOnError:
    """Outermost wrapper: an exception that escaped the app (and so was already captured by the SDK's
    ASGI middleware, which re-raises) ends here as a 500, like Express's default error handler, so
    the server does not drop a keep-alive connection a client is about to reuse."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if scope["type"] != "http":
                raise
            logger.warning("%s %s failed: %r", scope.get("method"), scope.get("path"), exc)
            if not started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": b"Internal Server Error"})


def create_app(settings: Settings, sentry_enabled: bool) -> ASGIApp:
    spotify = SpotifyProxy(settings)
    client = ClientFiles(settings)

    async def health(_: Request) -> Response:
        return JSONResponse(
            {
                "status": "healthy",
                "timestamp": _now(),
                "version": settings.release or "unknown",
                "environment": settings.environment,
                "sentry": {"enabled": sentry_enabled, "environment": settings.environment},
            }
        )

    async def sentry_health(_: Request) -> Response:
        sentry_sdk.add_breadcrumb(message="Sentry health check", category="monitoring", level="info")
        return JSONResponse(
            {
                "status": "operational",
                # The id of the last error event sent (None before any); the sentry-health-stale mutant
                # answers the plan's literal Date.now(), which says nothing about the last event.
                "lastEvent": int(time.time() * 1000) if settings.is_mutant("sentry-health-stale") else last_event_id(),
                "configuration": {
                    "dsn": settings.dsn is not None,
                    "environment": settings.environment,
                    "release": settings.release,
                },
            }
        )

    async def metrics(_: Request) -> Response:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        times = os.times()
        return JSONResponse(
            {
                "uptime": time.monotonic() - _STARTED,
                "memory": {"rss": usage.ru_maxrss * 1024},
                "cpu": {"user": int(times.user * 1e6), "system": int(times.system * 1e6)},
                "timestamp": _now(),
            }
        )

    async def login(request: Request) -> Response:
        try:
            body: Any = json.loads(await request.body())
        except ValueError:
            body = None
        email = body.get("email") if isinstance(body, dict) else None
        password = body.get("password") if isinstance(body, dict) else None
        if not isinstance(email, str) or "@" not in email or not isinstance(password, str) or len(password) < 8:
            message = "email and a password of 8+ characters are required"
            return JSONResponse({"error": {"status": 400, "message": message}}, 400)
        name = " ".join(w[0].upper() + w[1:] for w in re.split(r"[._-]+", email.split("@")[0]) if w)
        token = f"session-{email.encode().hex()[:24]}"
        return JSONResponse({"user": {"name": name, "email": email}, "token": token})

    async def fail(_: Request) -> Response:
        raise RuntimeError("gate failing API: /api/fail always fails")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await spotify.aclose()
            # uvicorn has stopped accepting and let in-flight requests finish: now send what is queued.
            await asyncio.to_thread(sentry_sdk.get_client().close, SHUTDOWN_FLUSH_TIMEOUT)

    middleware = [Middleware(GateHeadersMiddleware, settings=settings)]
    if settings.is_mutant("blocking-transport"):
        middleware.append(Middleware(BlockingFlushMiddleware))
    routes = [
        Route("/monitoring/health", health),
        Route("/monitoring/sentry-health", sentry_health),
        Route("/monitoring/metrics", metrics),
        *spotify.routes(),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/fail", fail),
        *gate_routes(settings),
        *client.routes(),
    ]
    app = Starlette(
        routes=[with_gate_throw(route) for route in routes],
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            404: lambda _request, _exc: not_found(),
            # ServerErrorMiddleware answers with this, then re-raises for the SDK (and the wrapper below).
            Exception: lambda _request, _exc: JSONResponse(_INTERNAL_ERROR, 500),
        },
    )
    return KeepConnectionOnError(app)
