"""The web API as one ASGI app: every route ``sentry-cli`` calls, and the gate-only ones, in one table.

`harness.server` mounts it at ``/api/0`` beside the ingest. A plain-ASGI front (`front.Front`) does,
for every request including unknown paths: classify, apply scripted faults, authenticate, log; the
routes behind it are Starlette routes over module-level handlers (`releases`, `uploads`, `gate`),
bound to the web API's state (`WebApi`). Gate-only routes live under ``/api/0/_gate/`` (tokens,
bundles, request log, faults, config): no Sentry has them, and they are guarded like the rest of
the control API.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from harness.common.asgi import Endpoint, bind_routes
from harness.webapi import gate, releases, uploads
from harness.webapi.front import Front
from harness.webapi.responses import GATE, NOT_FOUND, error
from harness.webapi.state import WebApi

__all__ = ["WEBAPI_ROUTES", "create_webapi"]

WEBAPI_ROUTES: tuple[Endpoint[WebApi], ...] = (
    # Sentry's routes
    Endpoint("/", releases.index, ("GET",)),
    Endpoint("/organizations/{org}/releases/", releases.releases, ("GET", "POST")),
    Endpoint("/organizations/{org}/releases/{version}/", releases.release, ("GET", "PUT", "DELETE")),
    Endpoint("/organizations/{org}/releases/{version}/deploys/", releases.deploys, ("GET", "POST")),
    Endpoint("/projects/{org}/{project}/releases/", releases.project_releases, ("GET",)),
    Endpoint("/organizations/{org}/chunk-upload/", uploads.chunk_upload, ("GET", "POST")),
    Endpoint("/organizations/{org}/artifactbundle/assemble/", uploads.assemble, ("POST",)),
    # the gate's own
    Endpoint(f"{GATE}/tokens", gate.tokens, ("POST",)),
    Endpoint(f"{GATE}/bundles", gate.bundles, ("GET",)),
    Endpoint(f"{GATE}/bundles/{{bid:int}}/raw", gate.bundle_raw, ("GET",)),
    Endpoint(f"{GATE}/requests", gate.requests, ("GET",)),
    Endpoint(f"{GATE}/faults", gate.faults, ("GET", "POST", "DELETE")),
    Endpoint(f"{GATE}/faults/{{fid:int}}", gate.faults, ("DELETE",)),
    Endpoint(f"{GATE}/config", gate.config, ("GET", "PUT")),
)
"""Every web-API route, relative to ``/api/0``."""


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    detail = getattr(exc, "detail", NOT_FOUND)
    if status == 404:
        detail = NOT_FOUND
    return error(status, str(detail))


def create_webapi(api: WebApi) -> ASGIApp:
    app = Starlette(routes=bind_routes(WEBAPI_ROUTES, api), exception_handlers={HTTPException: _not_found})
    return Front(api, app)
