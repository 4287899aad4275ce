"""Gate-only routes under ``/api/0/_gate/``: tokens, bundles, the request log, faults, chunk options.

No Sentry has them; they need no Sentry token and are guarded like the rest of the control API.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.webapi.app import GATE, WebApi, _body_json, _error, _json
from harness.webapi.store import new_token


def gate_routes(api: WebApi) -> list[Route]:
    store = api.store

    async def tokens(request: Request) -> Response:
        data = await _body_json(request)
        if not isinstance(data, dict):
            return _error(400, "token spec must be a JSON object")
        token = data.get("token") or new_token()
        org = data.get("org")
        if not isinstance(token, str) or " " in token or (org is not None and not isinstance(org, str)):
            return _error(400, "'token' and 'org' must be strings without spaces")
        store.add_token(token, org, data.get("label"))
        return _json({"token": token, "org": org}, 201)

    async def bundles(request: Request) -> Response:
        q = request.query_params
        org = q.get("org")
        if not org:
            return _error(400, "'org' is required")
        return _json(store.bundles(org, release=q.get("release"), project=q.get("project"), debug_id=q.get("debug_id")))

    async def bundle_raw(request: Request) -> Response:
        raw = store.bundle_bytes(int(request.path_params["bid"]))
        if raw is None:
            return _error(404, "no such bundle")
        return Response(raw, media_type="application/octet-stream")

    async def requests_(request: Request) -> Response:
        q = request.query_params
        after = q.get("after_id")
        return _json(store.requests(q.get("org"), int(after) if after and after.isdigit() else None))

    async def faults(request: Request) -> Response:
        now = time.time()
        if request.method == "GET":
            return _json(api.faults.listing(now))
        if request.method == "DELETE":
            fid = request.path_params.get("fid")
            return _json({"removed": [f.id for f in api.faults.remove(int(fid) if fid is not None else None)]})
        spec = await _body_json(request)
        try:
            if not isinstance(spec, dict):
                raise ValueError("fault spec must be a JSON object")
            fault = api.faults.add(spec, now)
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return _json(fault.as_dict(), 201)

    async def config(request: Request) -> Response:
        if request.method == "PUT":
            data = await _body_json(request)
            if not isinstance(data, dict):
                return _error(400, "config must be a JSON object")
            for key, value in data.items():
                if not hasattr(api.config, key) or not isinstance(value, int) or value < 0:
                    return _error(400, f"unknown or invalid config {key!r}")
            for key, value in data.items():
                setattr(api.config, key, value)
        return _json(vars(api.config))

    return [
        Route(f"{GATE}/tokens", tokens, methods=["POST"]),
        Route(f"{GATE}/bundles", bundles, methods=["GET"]),
        Route(f"{GATE}/bundles/{{bid:int}}/raw", bundle_raw, methods=["GET"]),
        Route(f"{GATE}/requests", requests_, methods=["GET"]),
        Route(f"{GATE}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{GATE}/faults/{{fid:int}}", faults, methods=["DELETE"]),
        Route(f"{GATE}/config", config, methods=["GET", "PUT"]),
    ]
