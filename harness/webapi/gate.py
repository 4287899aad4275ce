"""Gate-only routes under ``/api/0/_gate/``: tokens, bundles, the request log, faults, chunk options.

No Sentry has them; they need no Sentry token and are guarded like the rest of the control API.
Module-level handlers over the web API's state (`WebApi`), named in `app.WEBAPI_ROUTES`.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from harness.webapi.responses import error, json_response, read_json
from harness.webapi.state import WebApi
from harness.webapi.store import new_token

__all__ = ["bundle_raw", "bundles", "config", "faults", "requests", "tokens"]


async def tokens(api: WebApi, request: Request) -> Response:
    data = await read_json(request)
    if not isinstance(data, dict):
        return error(400, "token spec must be a JSON object")
    token = data.get("token") or new_token()
    org = data.get("org")
    if not isinstance(token, str) or " " in token or (org is not None and not isinstance(org, str)):
        return error(400, "'token' and 'org' must be strings without spaces")
    api.store.add_token(token, org, data.get("label"))
    return json_response({"token": token, "org": org}, 201)


async def bundles(api: WebApi, request: Request) -> Response:
    q = request.query_params
    org = q.get("org")
    if not org:
        return error(400, "'org' is required")
    found = api.store.bundles(org, release=q.get("release"), project=q.get("project"), debug_id=q.get("debug_id"))
    return json_response(found)


async def bundle_raw(api: WebApi, request: Request) -> Response:
    raw = api.store.bundle_bytes(int(request.path_params["bid"]))
    if raw is None:
        return error(404, "no such bundle")
    return Response(raw, media_type="application/octet-stream")


async def requests(api: WebApi, request: Request) -> Response:
    q = request.query_params
    after = q.get("after_id")
    return json_response(api.store.requests(q.get("org"), int(after) if after and after.isdigit() else None))


async def faults(api: WebApi, request: Request) -> Response:
    now = time.time()
    if request.method == "GET":
        return json_response(api.faults.listing(now))
    if request.method == "DELETE":
        fid = request.path_params.get("fid")
        return json_response({"removed": [f.id for f in api.faults.remove(int(fid) if fid is not None else None)]})
    spec = await read_json(request)
    try:
        if not isinstance(spec, dict):
            raise ValueError("fault spec must be a JSON object")
        fault = api.faults.add(spec, now)
    except (ValueError, TypeError) as exc:
        return error(400, str(exc))
    return json_response(fault.as_dict(), 201)


async def config(api: WebApi, request: Request) -> Response:
    if request.method == "PUT":
        data = await read_json(request)
        if not isinstance(data, dict):
            return error(400, "config must be a JSON object")
        for key, value in data.items():
            if not hasattr(api.config, key) or not isinstance(value, int) or value < 0:
                return error(400, f"unknown or invalid config {key!r}")
        for key, value in data.items():
            setattr(api.config, key, value)
    return json_response(vars(api.config))
