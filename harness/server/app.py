"""The whole fake Sentry as one ASGI app, composed from parts that do not know each other.

In front, the ingest's lean routes (`harness.ingest.app`); behind them one Starlette app with the
control API's route table under ``/_gate`` and the web API mounted at ``/api/0``, CORS for browser
callers, and the control guard around it all. The lifespan binds the ingest's commit notifications
to the running loop, and at shutdown releases held requests and drains the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount

from harness.common.asgi import bind_routes
from harness.ingest.app import IngestApp
from harness.ingest.control import CONTROL_PREFIX, CONTROL_ROUTES
from harness.ingest.guard import ControlGuard
from harness.ingest.state import IngestState
from harness.webapi.app import create_webapi
from harness.webapi.state import webapi_for

__all__ = ["WEBAPI_PREFIX", "build_app"]

WEBAPI_PREFIX = "/api/0"


def build_app(
    state: IngestState,
    *,
    on_ready: Callable[[], None] | None = None,
    api_token: str | None = None,
) -> IngestApp:
    """The ASGI app serving ``state``; ``on_ready`` runs once it accepts requests (the socket is listening);
    ``api_token`` is a web-API token every organization accepts."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.bind_loop(asyncio.get_running_loop())
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            state.fault_removed(state.faults.remove())
            await asyncio.get_running_loop().run_in_executor(None, state.store.close)

    webapi = create_webapi(webapi_for(state.store.path.parent, token=api_token))
    behind = Starlette(
        routes=[*bind_routes(CONTROL_ROUTES, state, prefix=CONTROL_PREFIX), Mount(WEBAPI_PREFIX, app=webapi)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])],
        lifespan=lifespan,
    )
    return IngestApp(state, ControlGuard(behind, state.control_token))
