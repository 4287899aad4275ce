"""The control API under ``/_gate/``: projects, queries, long-poll waits, faults, export, flush.

Each handler is a module-level function over the ingest's typed state (`IngestState`), and
`CONTROL_ROUTES` is the one table that names them; `harness.server` binds it to the running state.
Rows go out in the wire format of `wire`. Who may call: `guard`.
"""

from __future__ import annotations

import asyncio
import io
import sqlite3
import tarfile
import time
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from harness.common.asgi import Endpoint
from harness.ingest.body import BodyDecodeError, BodyTooLarge, decode_body
from harness.ingest.state import IngestState
from harness.ingest.wire import item_to_wire, request_to_wire

__all__ = ["CONTROL_PREFIX", "CONTROL_ROUTES", "ITEM_FILTERS", "MAX_WAIT_S"]

CONTROL_PREFIX = "/_gate"
MAX_WAIT_S = 600.0
ITEM_FILTERS = ("project", "type", "event_id", "release", "environment")


class _ORJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _error(status: int, detail: str) -> Response:
    return _ORJSONResponse({"detail": detail}, status_code=status)


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


def _items(state: IngestState, filters: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    rows = state.store.items(**filters, **extra)
    assert isinstance(rows, list)
    return [item_to_wire(r) for r in rows]


# ---- handlers -------------------------------------------------------------------------------------
async def health(state: IngestState, request: Request) -> Response:
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


async def projects(state: IngestState, request: Request) -> Response:
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


async def items(state: IngestState, request: Request) -> Response:
    try:
        filters = _item_filters(request)
        limit = _int(request.query_params.get("limit"), "limit")
    except ValueError as exc:
        return _error(400, str(exc))
    return _ORJSONResponse({"items": _items(state, filters, limit=limit)})


async def wait(state: IngestState, request: Request) -> Response:
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
                return _ORJSONResponse({"items": _items(state, filters), "timed_out": False})
        remaining = deadline - loop.time()
        if remaining <= 0 or event is None:
            return _ORJSONResponse({"items": _items(state, filters), "timed_out": True})
        with suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), remaining)


async def requests(state: IngestState, request: Request) -> Response:
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
    return _ORJSONResponse({"requests": [request_to_wire(r) for r in rows]})


async def request_body(state: IngestState, request: Request) -> Response:
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


async def stats(state: IngestState, request: Request) -> Response:
    counts = state.store.counts()
    counts["queue_depth"] = state.store.queue_depth
    counts["projects"] = len(state.keys_by_project)
    return _ORJSONResponse(counts)


async def faults(state: IngestState, request: Request) -> Response:
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


async def flush(state: IngestState, request: Request) -> Response:
    ok = await asyncio.get_running_loop().run_in_executor(None, state.store.flush, 60.0)
    if not ok:
        return _error(504, "writer did not drain within 60 s")
    return _ORJSONResponse({"committed": state.store.committed_requests})


async def clear(state: IngestState, request: Request) -> Response:
    spec = orjson.loads(await request.body() or b"{}")
    project = spec.get("project") if isinstance(spec, dict) else None
    await asyncio.get_running_loop().run_in_executor(None, state.store.flush, 60.0)
    return _ORJSONResponse({"deleted_items": state.store.clear(project)})


def _jsonl(rows: list[sqlite3.Row]) -> Iterator[bytes]:
    """One item per line, encoded as the response streams (never the whole export at once)."""
    for row in rows:
        yield orjson.dumps(item_to_wire(row)) + b"\n"


def _envelopes_tar(state: IngestState, project: int | None) -> bytes:
    """Every stored body as ``<id>-<status>.<endpoint>.raw`` in a tar (what ``sentry-gate audit`` reads)."""
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
    return buf.getvalue()


async def export(state: IngestState, request: Request) -> Response:
    fmt = request.query_params.get("format", "jsonl")
    try:
        project = _int(request.query_params.get("project"), "project")
    except ValueError as exc:
        return _error(400, str(exc))
    if fmt == "jsonl":
        rows = state.store.items(project=project, include_refused=True)
        assert isinstance(rows, list)
        return StreamingResponse(_jsonl(rows), media_type="application/x-ndjson")
    if fmt == "envelopes":
        return Response(_envelopes_tar(state, project), media_type="application/x-tar")
    return _error(400, "format must be jsonl or envelopes")


CONTROL_ROUTES: tuple[Endpoint[IngestState], ...] = (
    Endpoint("/health", health),
    Endpoint("/projects", projects, ("GET", "POST")),
    Endpoint("/items", items),
    Endpoint("/wait", wait),
    Endpoint("/requests", requests),
    Endpoint("/requests/{rid:int}/body", request_body),
    Endpoint("/stats", stats),
    Endpoint("/faults", faults, ("GET", "POST", "DELETE")),
    Endpoint("/faults/{fid:int}", faults, ("DELETE",)),
    Endpoint("/flush", flush, ("POST",)),
    Endpoint("/clear", clear, ("POST",)),
    Endpoint("/export", export),
)
"""Every control route, relative to `CONTROL_PREFIX`."""
