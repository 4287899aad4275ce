"""The control API under ``/_gate/``: projects, queries, long-poll waits, faults, export, flush.

Loopback callers need no token; when the ingest is bound to another interface every control call
must carry ``Authorization: Bearer <token>`` (the token is printed at start). The ingest routes
themselves never need the token: they authenticate like Relay.
"""

from __future__ import annotations

import asyncio
import base64
import io
import sqlite3
import tarfile
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.ingest.app import CONTROL_PREFIX, IngestState, is_loopback
from harness.ingest.body import BodyDecodeError, BodyTooLarge, decode_body
from harness.webapi import build_webapi

MAX_WAIT_S = 600.0
ITEM_FILTERS = ("project", "type", "event_id", "release", "environment")


class _ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _error(status: int, detail: str) -> Response:
    return _ORJSONResponse({"detail": detail}, status_code=status)


def item_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "request_id": row["request_id"],
        "project": row["project"],
        "idx": row["idx"],
        "accepted": bool(row["accepted"]),
        "type": row["type"],
        "headers": orjson.loads(row["headers"]),
        "payload_b64": base64.b64encode(row["payload"]).decode("ascii"),
        "event_id": row["event_id"],
        "release": row["release"],
        "environment": row["environment"],
        "received_at": row["received_at"],
        "envelope_headers": orjson.loads(row["envelope_headers"]) if row["envelope_headers"] else {},
    }


def request_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "project": row["project"],
        "received_at": row["received_at"],
        "method": row["method"],
        "path": row["path"],
        "query": row["query"],
        "headers": orjson.loads(row["headers"]),
        "status": row["status"],
        "reason": row["reason"],
        "endpoint": row["endpoint"],
        "body_size": row["body_size"],
        "body_truncated": bool(row["body_truncated"]),
        "event_id": row["event_id"],
        "envelope_headers": orjson.loads(row["envelope_headers"]) if row["envelope_headers"] else None,
    }


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None


def _item_filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    filters: dict[str, Any] = {k: q.get(k) for k in ITEM_FILTERS if q.get(k) is not None}
    if "project" in filters:
        filters["project"] = _int(filters["project"], "project")
    if q.get("since"):
        filters["since"] = float(q["since"])
    if q.get("after_id"):
        filters["after_id"] = _int(q["after_id"], "after_id")
    if q.get("include_refused") in ("1", "true", "yes"):
        filters["include_refused"] = True
    return filters


class _ControlGuard:
    """Refuses non-loopback callers without the token (plain ASGI, so it also guards 404s)."""

    def __init__(self, app: ASGIApp, state: IngestState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        web_api = path.startswith("/api/0/") and not path.startswith("/api/0/_gate/")
        # The web API authenticates sentry-cli's own bearer tokens; the guard is for the control API.
        if scope["type"] == "http" and self.state.control_token is not None and not web_api:
            client = scope.get("client")
            if not (client and is_loopback(client[0])):
                token = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
                if token != f"Bearer {self.state.control_token}":
                    await _error(401, "control API needs 'Authorization: Bearer <token>'")(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def build_control_app(
    state: IngestState,
    *,
    on_ready: Callable[[], None] | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> ASGIApp:
    async def health(request: Request) -> Response:
        err = state.store.writer_error
        return _ORJSONResponse(
            {
                "ok": err is None,
                "writer_error": repr(err) if err else None,
                "queue_depth": state.store.queue_depth,
                "url": state.base_url,
            },
            status_code=200 if err is None else 500,
        )

    async def projects(request: Request) -> Response:
        if request.method == "GET":
            return _ORJSONResponse([state.project_info(p) for p in sorted(state.keys_by_project)])
        spec = orjson.loads(await request.body() or b"{}")
        if not isinstance(spec, dict):
            return _error(400, "project spec must be a JSON object")
        pid = spec.get("id")
        if pid is not None and (not isinstance(pid, int) or pid < 1):
            return _error(400, "'id' must be a positive integer")
        if pid is not None and pid in state.keys_by_project and spec.get("key") is None:
            return _ORJSONResponse(state.project_info(pid))
        new_id = state.add_project(pid, spec.get("key"), spec.get("name"))
        return _ORJSONResponse(state.project_info(new_id), status_code=201)

    async def items(request: Request) -> Response:
        try:
            filters = _item_filters(request)
            limit = _int(request.query_params.get("limit"), "limit")
        except ValueError as exc:
            return _error(400, str(exc))
        rows = state.store.items(**filters, limit=limit)
        assert isinstance(rows, list)
        return _ORJSONResponse({"items": [item_json(r) for r in rows]})

    async def wait(request: Request) -> Response:
        """Long-poll until ``count`` matching committed items exist, or the deadline passes."""
        try:
            filters = _item_filters(request)
            count = _int(request.query_params.get("count"), "count") or 1
            timeout = min(float(request.query_params.get("timeout", "10")), MAX_WAIT_S)
        except ValueError as exc:
            return _error(400, str(exc))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        project = filters.get("project")
        last_seq = -1
        while True:
            event = state.commit_event
            seq = state.store.project_seq[project] if project is not None else -2
            if seq != last_seq or project is None:
                last_seq = seq
                n = state.store.items(**filters, count_only=True)
                assert isinstance(n, int)
                if n >= count:
                    rows = state.store.items(**filters)
                    assert isinstance(rows, list)
                    return _ORJSONResponse({"items": [item_json(r) for r in rows], "timed_out": False})
            remaining = deadline - loop.time()
            if remaining <= 0 or event is None:
                rows = state.store.items(**filters)
                assert isinstance(rows, list)
                return _ORJSONResponse({"items": [item_json(r) for r in rows], "timed_out": True})
            with suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def requests_(request: Request) -> Response:
        q = request.query_params
        try:
            rows = state.store.requests(
                project=_int(q.get("project"), "project"),
                status=_int(q.get("status"), "status"),
                after_id=_int(q.get("after_id"), "after_id"),
                limit=_int(q.get("limit"), "limit"),
            )
        except ValueError as exc:
            return _error(400, str(exc))
        return _ORJSONResponse({"requests": [request_json(r) for r in rows]})

    async def request_body(request: Request) -> Response:
        found = state.store.request_body(int(request.path_params["rid"]))
        if found is None:
            return _error(404, "no such request")
        body, headers, truncated = found
        if request.query_params.get("decoded") in ("1", "true") and not truncated:
            encoding = dict(headers).get("content-encoding")
            try:
                body = decode_body(body, encoding, limit=state.limits.max_envelope_size)
            except (BodyDecodeError, BodyTooLarge) as exc:
                return _error(422, f"stored body does not decode: {exc}")
        return Response(
            body, media_type="application/octet-stream", headers={"x-gate-body-truncated": "1" if truncated else "0"}
        )

    async def stats(request: Request) -> Response:
        counts = state.store.counts()
        counts["queue_depth"] = state.store.queue_depth
        counts["projects"] = len(state.keys_by_project)
        return _ORJSONResponse(counts)

    async def faults(request: Request) -> Response:
        now = time.time()
        if request.method == "GET":
            return _ORJSONResponse(state.faults.listing(now))
        if request.method == "DELETE":
            fid = request.path_params.get("fid")
            gone = state.faults.remove(int(fid) if fid is not None else None)
            state.fault_removed(gone)
            return _ORJSONResponse({"removed": [f.id for f in gone]})
        try:
            spec = orjson.loads(await request.body())
            if not isinstance(spec, dict):
                raise ValueError("fault spec must be a JSON object")
            fault = state.faults.add(spec, now)
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            return _error(400, str(exc))
        return _ORJSONResponse(fault.as_dict(), status_code=201)

    async def flush(request: Request) -> Response:
        ok = await asyncio.get_running_loop().run_in_executor(None, state.store.flush, 60.0)
        if not ok:
            return _error(504, "writer did not drain within 60 s")
        return _ORJSONResponse({"committed": state.store.committed_requests})

    async def clear(request: Request) -> Response:
        spec = orjson.loads(await request.body() or b"{}")
        project = spec.get("project") if isinstance(spec, dict) else None
        await asyncio.get_running_loop().run_in_executor(None, state.store.flush, 60.0)
        return _ORJSONResponse({"deleted_items": state.store.clear(project)})

    async def export(request: Request) -> Response:
        fmt = request.query_params.get("format", "jsonl")
        try:
            project = _int(request.query_params.get("project"), "project")
        except ValueError as exc:
            return _error(400, str(exc))
        if fmt == "jsonl":
            rows = state.store.items(project=project, include_refused=True)
            assert isinstance(rows, list)

            def lines() -> Any:
                for r in rows:
                    yield orjson.dumps(item_json(r)) + b"\n"

            return StreamingResponse(lines(), media_type="application/x-ndjson")
        if fmt == "envelopes":
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as tar:
                for r in state.store.requests(project=project):
                    found = state.store.request_body(r["id"])
                    if found is None:
                        continue
                    body, _headers, _ = found
                    info = tarfile.TarInfo(f"{r['id']:08d}-{r['status']}.{r['endpoint']}.raw")
                    info.size = len(body)
                    info.mtime = int(r["received_at"])
                    tar.addfile(info, io.BytesIO(body))
            return Response(buf.getvalue(), media_type="application/x-tar")
        return _error(400, "format must be jsonl or envelopes")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        state.bind_loop(asyncio.get_running_loop())
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            state.fault_removed(state.faults.remove())
            await asyncio.get_running_loop().run_in_executor(None, state.store.close)
            if on_shutdown is not None:
                on_shutdown()

    p = CONTROL_PREFIX
    app = Starlette(
        routes=[
            Route(f"{p}/health", health),
            Route(f"{p}/projects", projects, methods=["GET", "POST"]),
            Route(f"{p}/items", items),
            Route(f"{p}/wait", wait),
            Route(f"{p}/requests", requests_),
            Route(f"{p}/requests/{{rid:int}}/body", request_body),
            Route(f"{p}/stats", stats),
            Route(f"{p}/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route(f"{p}/faults/{{fid:int}}", faults, methods=["DELETE"]),
            Route(f"{p}/flush", flush, methods=["POST"]),
            Route(f"{p}/clear", clear, methods=["POST"]),
            Route(f"{p}/export", export),
            Mount("/api/0", app=build_webapi(state)),
        ],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])],
        lifespan=lifespan,
    )
    return _ControlGuard(app, state)
