"""Sentry's source-map upload routes: chunk upload (options, then the chunks) and artifact-bundle assemble.

Module-level handlers over the web API's state (`WebApi`), named in `app.WEBAPI_ROUTES`. Chunks are
checked as Sentry checks them (sha1 names, sizes, counts, gzip) and kept as files; assembling joins
them, checks the bundle and indexes it (now, where Sentry answers ``created`` first and assembles in
a task: a test sees the outcome on its first poll).
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from harness.webapi.bundle import BundleError, parse_artifact_bundle
from harness.webapi.multipart import MultipartError, parse_multipart
from harness.webapi.responses import json_response, read_json
from harness.webapi.state import WebApi

__all__ = ["CHUNK_ACCEPT", "assemble", "chunk_upload"]

CHUNK_ACCEPT = (
    "debug_files",
    "release_files",
    "pdbs",
    "sources",
    "bcsymbolmaps",
    "il2cpp",
    "portablepdbs",
    "artifact_bundles",
    "artifact_bundles_v2",
)
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_ASSEMBLE_KEYS = {"version", "dist", "projects", "checksum", "chunks"}


async def chunk_upload(api: WebApi, request: Request) -> Response:
    org = request.path_params["org"]
    cfg = api.config
    if request.method == "GET":
        return json_response(
            {
                "url": str(request.url.replace(query="")),
                "chunkSize": cfg.chunk_size,
                "chunksPerRequest": cfg.chunks_per_request,
                "maxFileSize": cfg.max_file_size,
                "maxRequestSize": cfg.max_request_size,
                "concurrency": cfg.concurrency,
                "maxWait": cfg.max_wait,
                "hashAlgorithm": "sha1",
                "compression": ["gzip"],
                "accept": list(CHUNK_ACCEPT),
            }
        )
    pieces: list[bytes] = []
    size = 0
    cap = cfg.max_request_size + 1024 * 1024
    async for piece in request.stream():
        pieces.append(piece)
        size += len(piece)
        if size > cap:
            return json_response({"error": "Request too large"}, 400)
    body = b"".join(pieces)
    if not body:
        return Response(status_code=200)
    try:
        parts = parse_multipart(body, request.headers.get("content-type"), max_parts=cfg.chunks_per_request + 1)
    except MultipartError as exc:
        return json_response({"error": f"Invalid multipart body: {exc}"}, 400)
    files = [p for p in parts if p.name in ("file", "file_gzip")]
    if len(files) > cfg.chunks_per_request:
        return json_response({"error": "Too many chunks"}, 400)
    chunks: list[tuple[str, bytes]] = []
    total = 0
    for part in files:
        data = part.data
        if part.name == "file_gzip":
            try:
                data = _gunzip_bounded(data, cfg.chunk_size)
            except ValueError as exc:
                return json_response({"error": str(exc)}, 400)
        if len(data) > cfg.chunk_size:
            return json_response({"error": "Chunk size too large"}, 400)
        total += len(data)
        checksum = (part.filename or "").lower()
        if not _SHA1.match(checksum) or hashlib.sha1(data).hexdigest() != checksum:  # noqa: S324 - Sentry's chunk hash
            return json_response({"error": "Checksum mismatch"}, 400)
        chunks.append((checksum, data))
    if total > cfg.max_request_size:
        return json_response({"error": "Request too large"}, 400)
    for checksum, data in chunks:
        await run_in_threadpool(api.store.save_chunk, org, checksum, data)
    return Response(status_code=200)


async def assemble(api: WebApi, request: Request) -> Response:
    org = request.path_params["org"]
    data = await read_json(request)
    problem = _assemble_problem(data)
    if problem is not None:
        return json_response({"error": problem}, 400)
    checksum, chunks = data["checksum"], data["chunks"]
    projects = sorted(set(data["projects"]))
    version, dist = data.get("version"), data.get("dist")
    if dist and not version:
        return json_response({"error": "You need to specify a release together with a dist"}, 400)
    missing = api.store.missing_chunks(org, chunks)
    if missing:
        return json_response({"state": "not_found", "missingChunks": missing})
    if not chunks:
        status = api.store.assemble_status(org, checksum)
        if status is None:
            return json_response({"state": "not_found", "missingChunks": []})
        return json_response({"state": status[0], "detail": status[1], "missingChunks": []})
    state, detail = await run_in_threadpool(
        functools.partial(_assemble, api, org, checksum, chunks, projects=projects, version=version, dist=dist)
    )
    return json_response({"state": state, "detail": detail, "missingChunks": []})


def _gunzip_bounded(data: bytes, limit: int) -> bytes:
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decoder.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"Invalid gzip chunk: {exc}") from None
    if len(out) > limit:
        raise ValueError("Chunk size too large")
    if not decoder.eof:
        raise ValueError("Invalid gzip chunk: truncated")
    return out


def _assemble_problem(data: Any) -> str | None:
    """Sentry's JSON-schema check of the assemble body; the first problem, or None."""
    if not isinstance(data, dict):
        return "Invalid json body"
    extra = set(data) - _ASSEMBLE_KEYS
    if extra:
        return f"Additional properties are not allowed ({', '.join(map(repr, sorted(extra)))} were unexpected)"
    for key in ("checksum", "chunks", "projects"):
        if key not in data:
            return f"'{key}' is a required property"
    if not isinstance(data["checksum"], str) or not _SHA1.match(data["checksum"]):
        return f"{data['checksum']!r} does not match '^[0-9a-f]{{40}}$'"
    chunks = data["chunks"]
    if not isinstance(chunks, list) or not all(isinstance(c, str) and _SHA1.match(c) for c in chunks):
        return "'chunks' must be a list of sha1 hex digests"
    projects = data["projects"]
    if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
        return "'projects' must be a list of strings"
    if not projects:
        return "You need to specify at least one project"
    for key in ("version", "dist"):
        if key in data and not isinstance(data[key], str):
            return f"'{key}' must be a string"
    return None


def _assemble(
    api: WebApi,
    org: str,
    checksum: str,
    chunks: list[str],
    *,
    projects: list[str],
    version: str | None,
    dist: str | None,
) -> tuple[str, str | None]:
    """Assemble now (Sentry does it in a task and answers ``created`` first; we answer the outcome)."""
    store = api.store
    known = store.bundle_by_checksum(org, checksum)
    if known is not None:
        store.link_bundle(known, projects, version, dist)
        return "ok", None
    raw = store.read_chunks(org, chunks)
    if len(raw) > api.config.max_file_size:
        detail: str | None = "File exceeds maximum size"
    elif hashlib.sha1(raw).hexdigest() != checksum:  # noqa: S324 - Sentry's file checksum
        detail = "Reported checksum mismatch"
    else:
        try:
            bundle = parse_artifact_bundle(raw)
        except BundleError as exc:
            detail = f"Invalid bundle: {exc}"
        else:
            bundle_id = store.save_bundle(org, checksum, raw, bundle)
            store.link_bundle(bundle_id, projects, version, dist)
            store.set_assemble_status(org, checksum, "ok", None)
            return "ok", None
    store.set_assemble_status(org, checksum, "error", detail)
    return "error", detail
