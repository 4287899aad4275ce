"""The test hooks: ``POST /__gate/fault``, ``POST /__gate/flush`` and the ``X-Gate-*`` request headers.

They exist only when ``GATE_FAULT_TOKEN`` is set and the request carries it in ``X-Gate-Token``
(except ``X-Gate-Marker``, a harmless tag honoured on any request, as the Express server does);
otherwise the routes answer 404 and ``X-Gate-Fault`` is ignored, exactly as if they did not exist. (The
``gate-routes-open`` mutant drops the token check.) Faults are what a real app does when it breaks:
an exception in a handler, a failed background task, a slow answer, a 500 without an exception, an
error logged through the app's logger.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
from typing import TYPE_CHECKING, Any, Final

import sentry_sdk
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .client import not_found

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Receive, Scope, Send

    from .settings import Settings

__all__ = ["GateFault", "GateHeadersMiddleware", "gate_routes", "token_ok", "with_gate_throw"]

logger = logging.getLogger("targets.python_api")

FLUSH_TIMEOUT: Final = 5.0
MAX_SLOW_MS: Final = 120_000
MAX_BREADCRUMBS: Final = 1000

_SLOW: Final = re.compile(r"slow=(\d+)")
_THROW: Final = "gate.throw"  # scope key: the marker of a requested throw
_background: set[asyncio.Task[None]] = set()


class GateFault(RuntimeError):
    """The exception every injected fault raises: ``gate fault <kind> <marker>``."""


def token_ok(settings: Settings, presented: str | None) -> bool:
    if settings.is_mutant("gate-routes-open"):
        return True
    if settings.fault_token is None or presented is None:
        return False
    return hmac.compare_digest(settings.fault_token.encode(), presented.encode())


def marker_of(value: object) -> str:
    marker = value[:200] if isinstance(value, str) else ""
    return marker or "unmarked"


def _forget(task: asyncio.Task[None]) -> None:
    # The SDK has reported the failure; retrieving it stops asyncio logging it a second time (which
    # the logging integration would send as a second event, unlike Node's one unhandled rejection).
    _background.discard(task)
    if not task.cancelled():
        task.exception()


async def _reject(marker: str) -> None:
    raise GateFault(f"gate fault reject {marker}")


def gate_routes(settings: Settings) -> list[Route]:
    """The two routes, or none when no token is configured (absent token, absent routes)."""
    if settings.fault_token is None and not settings.is_mutant("gate-routes-open"):
        return []

    async def fault(request: Request) -> Response:
        if not token_ok(settings, request.headers.get("x-gate-token")):
            return not_found()
        try:
            body: Any = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        kind, marker = body.get("kind"), marker_of(body.get("marker"))
        sentry_sdk.set_tag("gate.marker", marker)
        crumbs = body.get("breadcrumbs", 0)
        for n in range(max(0, min(crumbs, MAX_BREADCRUMBS)) if isinstance(crumbs, int) else 0):
            sentry_sdk.add_breadcrumb(category="gate", message=f"gate breadcrumb {n} {marker}", level="info")
        message = f"gate fault {kind} {marker}"
        done = {"ok": True, "kind": kind, "marker": marker}
        if kind == "throw":
            raise GateFault(message)
        if kind == "reject":
            # A background task that fails with nobody awaiting it: the asyncio integration reports it.
            task = asyncio.get_running_loop().create_task(_reject(marker))
            _background.add(task)
            task.add_done_callback(_forget)
            return JSONResponse(done, 202)
        if kind == "slow":
            ms = body.get("ms", 0)
            ms = min(max(float(ms), 0.0), MAX_SLOW_MS) if isinstance(ms, int | float) else 0.0
            await asyncio.sleep(ms / 1000)  # sleep-ok: the fault *is* a slow answer
            return JSONResponse({**done, "ms": ms})
        if kind == "status500":
            return JSONResponse({**done, "ok": False}, 500)
        if kind == "log-error":
            logger.error(message)
            return JSONResponse(done)
        return JSONResponse({"error": {"status": 400, "message": f"unknown kind {json.dumps(kind)}"}}, 400)

    async def flush(request: Request) -> Response:
        if not token_ok(settings, request.headers.get("x-gate-token")):
            return not_found()
        enabled = sentry_sdk.get_client().is_active()
        started = time.monotonic()
        if enabled:
            await asyncio.to_thread(sentry_sdk.flush, FLUSH_TIMEOUT)
        # With the SDK off there is nothing to wait for: flushed, and `enabled` says why.
        return JSONResponse({"flushed": time.monotonic() - started < FLUSH_TIMEOUT, "enabled": enabled})

    return [Route("/__gate/fault", fault, methods=["POST"]), Route("/__gate/flush", flush, methods=["POST"])]


class GateHeadersMiddleware:
    """``X-Gate-Marker: m`` tags the request's events (any request, as in Express); with the token,
    ``X-Gate-Fault: slow=<ms>`` delays any route and ``X-Gate-Fault: throw`` makes any route raise as
    its handler starts (``with_gate_throw``), so even ``/monitoring/health`` can fail. Pure ASGI,
    inside the SDK's own request instrumentation."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        marker = headers.get("x-gate-marker")
        if marker:
            sentry_sdk.set_tag("gate.marker", marker_of(marker))
        fault = headers.get("x-gate-fault")
        if fault and token_ok(self.settings, headers.get("x-gate-token")):
            slow = _SLOW.fullmatch(fault)
            if slow:
                await asyncio.sleep(min(int(slow.group(1)), MAX_SLOW_MS) / 1000)  # sleep-ok: a slow answer
            elif fault == "throw":
                scope[_THROW] = marker_of(marker)
        await self.app(scope, receive, send)


def with_gate_throw(route: Route) -> Route:
    """``route`` whose handler raises first when the request asked for ``X-Gate-Fault: throw``.

    Raising in the handler rather than in the middleware matters: the SDK reads the request (body
    included, where the configuration allows) as the handler starts, as Express's body parser runs
    before its routes, so the event describes the request the same way in both twins.
    """
    endpoint = route.endpoint

    async def gated(request: Request) -> Response:
        marker = request.scope.get(_THROW)
        if marker is not None:
            raise GateFault(f"gate fault throw {marker}")
        response: Response = await endpoint(request)
        return response

    return Route(route.path, gated, methods=list(route.methods or ()), name=route.name)
