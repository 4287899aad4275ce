"""The web-API routes ``sentry-cli`` calls for releases, deploys and source-map uploads.

Mounted by the ingest's control app at ``/api/0``. A plain-ASGI front (`front.Front`) does, for every
request including unknown paths: classify, apply scripted faults, authenticate, log; the routes
behind it are ordinary Starlette handlers. Sentry's semantics, status codes and bodies are
followed where ``sentry-cli`` or a check can tell the difference (sources named in docs/release.md);
organizations and projects are open (any slug is accepted and created on first use).

Gate-only routes (`gate.py`) live under ``/api/0/_gate/`` (tokens, bundles, request log, faults, config):
no Sentry has them, and they are guarded like the rest of the control API.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import random
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.webapi.auth import Principal
from harness.webapi.bundle import BundleError, parse_artifact_bundle
from harness.webapi.faults import WebFaultSet
from harness.webapi.multipart import MultipartError, parse_multipart
from harness.webapi.store import WebApiStore

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from harness.ingest.app import IngestState

GATE = "/_gate"
TOKEN_ENV = "SENTRY_GATE_API_TOKEN"
"""A token every organization accepts, declared when the fake Sentry starts (CI, local replays)."""
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
NOT_FOUND = "The requested resource does not exist"


@dataclass
class WebApiConfig:
    """Chunk-upload options announced to the CLI (Sentry's defaults; a test may shrink chunks)."""

    chunk_size: int = 8 * 1024 * 1024
    chunks_per_request: int = 64
    max_request_size: int = 32 * 1024 * 1024
    max_file_size: int = 256 * 1024 * 1024
    """Sentry allows 2 GiB; an artifact bundle here is assembled in memory, so less."""
    concurrency: int = 8
    max_wait: int = 0


@dataclass
class WebApi:
    store: WebApiStore
    config: WebApiConfig = field(default_factory=WebApiConfig)
    faults: WebFaultSet = field(default_factory=WebFaultSet)
    rng: random.Random = field(default_factory=random.Random)

    def lookup(self, token: str) -> Principal | None:
        row = self.store.token(token)
        return Principal(org=row["org"], label=row["label"]) if row is not None else None


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


_FRACTION = re.compile(r"\.(\d{6})\d+")


def parse_date(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name}: Datetime has wrong format.")
    text = _FRACTION.sub(r".\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: Datetime has wrong format.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _error(status: int, detail: str) -> Response:
    return _json({"detail": detail}, status)


def valid_version(version: str) -> bool:
    """Sentry's ``Release.is_valid_version``."""
    return bool(
        version
        and version.strip() == version
        and version not in (".", "..")
        and version.lower() != "latest"
        and not any(c in version for c in "\n\t\\/")
        and len(version) <= 250
    )


# ---- serializers ---------------------------------------------------------------------------------
def _deploy_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "environment": row["environment"],
        "name": row["name"],
        "url": row["url"],
        "dateStarted": iso(row["date_started"]),
        "dateFinished": iso(row["date_finished"]),
    }


def _release_json(api: WebApi, row: Any) -> dict[str, Any]:
    deploys = api.store.deploys(row["id"])
    projects = api.store.release_projects(row["id"])
    return {
        "id": row["id"],
        "version": row["version"],
        "shortVersion": row["version"],
        "status": row["status"],
        "ref": row["ref"],
        "url": row["url"],
        "dateCreated": iso(row["date_created"]),
        "dateStarted": iso(row["date_started"]),
        "dateReleased": iso(row["date_released"]),
        "data": {},
        "newGroups": 0,
        "owner": None,
        "commitCount": 0,
        "lastCommit": None,
        "deployCount": len(deploys),
        "lastDeploy": _deploy_json(deploys[0]) if deploys else None,
        "authors": [],
        "firstEvent": None,
        "lastEvent": None,
        "projects": [{"slug": p, "name": p, "newGroups": 0, "platform": None, "platforms": []} for p in projects],
    }


async def _body_json(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HTTPException(400, "JSON parse error") from None


def _project_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str | int) for p in value):
        raise ValueError("projects")
    return [str(p) for p in value]


# ---- Sentry routes -------------------------------------------------------------------------------
def _routes(api: WebApi) -> list[Route]:
    store = api.store

    async def index(request: Request) -> Response:
        principal: Principal | None = request.scope.get("gate.principal")
        if principal is None:
            return _json({"version": "0", "auth": None, "user": None})
        return _json(
            {
                "version": "0",
                "auth": {"scopes": ["org:read", "project:releases", "project:write"]},
                "user": {"id": "1", "email": "gate@sentry-gate.invalid", "username": "gate"},
            }
        )

    async def releases(request: Request) -> Response:
        org = request.path_params["org"]
        if request.method == "GET":
            return _json([_release_json(api, r) for r in store.releases(org)])
        data = await _body_json(request)
        if not isinstance(data, dict):
            return _json({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}, 400)
        version = data.get("version")
        if not isinstance(version, str) or not version:
            return _json({"version": ["This field is required."]}, 400)
        if not valid_version(version):
            return _json({"version": [f"Release with name {version} is not allowed"]}, 400)
        try:
            projects = _project_list(data.get("projects"))
        except ValueError:
            return _json({"projects": ["This field is required."]}, 400)
        try:
            fields = {
                "ref": data.get("ref"),
                "url": data.get("url"),
                "date_started": parse_date(data.get("dateStarted"), "dateStarted"),
                "date_released": parse_date(data.get("dateReleased"), "dateReleased"),
                "status": data.get("status"),
            }
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            return _json({name: [message]}, 400)
        row, created, added = store.create_release(org, version, projects, fields)
        return _json(_release_json(api, row), 201 if created or added else 208)

    async def release(request: Request) -> Response:
        org, version = request.path_params["org"], request.path_params["version"]
        row = store.release(org, version)
        if row is None:
            return _error(404, NOT_FOUND)
        if request.method == "DELETE":
            store.delete_release(row["id"])
            return Response(status_code=204)
        if request.method == "PUT":
            data = await _body_json(request)
            if not isinstance(data, dict):
                return _json({"non_field_errors": ["Invalid data."]}, 400)
            changes: dict[str, Any] = {}
            try:
                if "dateReleased" in data:
                    changes["date_released"] = parse_date(data["dateReleased"], "dateReleased")
                if "dateStarted" in data:
                    changes["date_started"] = parse_date(data["dateStarted"], "dateStarted")
            except ValueError as exc:
                name, _, message = str(exc).partition(": ")
                return _json({name: [message]}, 400)
            for key in ("ref", "url"):
                if key in data:
                    changes[key] = data[key]
            if data.get("status") in ("open", "archived"):
                changes["status"] = data["status"]
            projects = data.get("projects")
            try:
                added = _project_list(projects) if projects is not None else None
            except ValueError:
                return _json({"projects": ["Expected a list of items."]}, 400)
            store.update_release(row["id"], changes, added)
            row = store.release(org, version)
        return _json(_release_json(api, row))

    async def project_releases(request: Request) -> Response:
        org, project = request.path_params["org"], request.path_params["project"]
        return _json([_release_json(api, r) for r in store.releases(org, project)])

    async def deploys(request: Request) -> Response:
        org, version = request.path_params["org"], request.path_params["version"]
        row = store.release(org, version)
        if row is None:
            return _error(404, NOT_FOUND)
        if request.method == "GET":
            return _json([_deploy_json(d) for d in store.deploys(row["id"])])
        data = await _body_json(request)
        if not isinstance(data, dict):
            return _json({"non_field_errors": ["Invalid data."]}, 400)
        env = data.get("environment")
        if not isinstance(env, str) or not env:
            return _json({"environment": ["This field is required."]}, 400)
        if "/" in env or len(env) > 64 or env.strip() != env:
            return _json({"environment": ["Invalid value for environment"]}, 400)
        try:
            spec = {
                "environment": env,
                "name": data.get("name"),
                "url": data.get("url"),
                "date_started": parse_date(data.get("dateStarted"), "dateStarted"),
                "date_finished": parse_date(data.get("dateFinished"), "dateFinished"),
                "projects": data.get("projects") or store.release_projects(row["id"]),
            }
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            return _json({name: [message]}, 400)
        deploy_id = store.add_deploy(row["id"], spec)
        return _json(_deploy_json(store.deploy(deploy_id)), 201)

    async def chunk_upload(request: Request) -> Response:
        org = request.path_params["org"]
        cfg = api.config
        if request.method == "GET":
            return _json(
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
                return _json({"error": "Request too large"}, 400)
        body = b"".join(pieces)
        if not body:
            return Response(status_code=200)
        try:
            parts = parse_multipart(body, request.headers.get("content-type"), max_parts=cfg.chunks_per_request + 1)
        except MultipartError as exc:
            return _json({"error": f"Invalid multipart body: {exc}"}, 400)
        files = [p for p in parts if p.name in ("file", "file_gzip")]
        if len(files) > cfg.chunks_per_request:
            return _json({"error": "Too many chunks"}, 400)
        chunks: list[tuple[str, bytes]] = []
        total = 0
        for part in files:
            data = part.data
            if part.name == "file_gzip":
                try:
                    data = _gunzip_bounded(data, cfg.chunk_size)
                except ValueError as exc:
                    return _json({"error": str(exc)}, 400)
            if len(data) > cfg.chunk_size:
                return _json({"error": "Chunk size too large"}, 400)
            total += len(data)
            checksum = (part.filename or "").lower()
            if not _SHA1.match(checksum) or hashlib.sha1(data).hexdigest() != checksum:  # noqa: S324 - Sentry's chunk hash
                return _json({"error": "Checksum mismatch"}, 400)
            chunks.append((checksum, data))
        if total > cfg.max_request_size:
            return _json({"error": "Request too large"}, 400)
        for checksum, data in chunks:
            await run_in_threadpool(store.save_chunk, org, checksum, data)
        return Response(status_code=200)

    async def assemble(request: Request) -> Response:
        org = request.path_params["org"]
        data = await _body_json(request)
        problem = _assemble_problem(data)
        if problem is not None:
            return _json({"error": problem}, 400)
        checksum, chunks = data["checksum"], data["chunks"]
        projects = sorted(set(data["projects"]))
        version, dist = data.get("version"), data.get("dist")
        if dist and not version:
            return _json({"error": "You need to specify a release together with a dist"}, 400)
        missing = store.missing_chunks(org, chunks)
        if missing:
            return _json({"state": "not_found", "missingChunks": missing})
        if not chunks:
            status = store.assemble_status(org, checksum)
            if status is None:
                return _json({"state": "not_found", "missingChunks": []})
            return _json({"state": status[0], "detail": status[1], "missingChunks": []})
        state, detail = await run_in_threadpool(
            functools.partial(_assemble, api, org, checksum, chunks, projects=projects, version=version, dist=dist)
        )
        return _json({"state": state, "detail": detail, "missingChunks": []})

    return [
        Route("/", index, methods=["GET"]),
        Route("/organizations/{org}/releases/", releases, methods=["GET", "POST"]),
        Route("/organizations/{org}/releases/{version}/", release, methods=["GET", "PUT", "DELETE"]),
        Route("/organizations/{org}/releases/{version}/deploys/", deploys, methods=["GET", "POST"]),
        Route("/projects/{org}/{project}/releases/", project_releases, methods=["GET"]),
        Route("/organizations/{org}/chunk-upload/", chunk_upload, methods=["GET", "POST"]),
        Route("/organizations/{org}/artifactbundle/assemble/", assemble, methods=["POST"]),
    ]


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


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    detail = getattr(exc, "detail", NOT_FOUND)
    if status == 404:
        detail = NOT_FOUND
    return _error(status, str(detail))


def create_webapi(api: WebApi) -> ASGIApp:
    from harness.webapi.front import Front
    from harness.webapi.gate import gate_routes

    app = Starlette(
        routes=[*_routes(api), *gate_routes(api)],
        exception_handlers={HTTPException: _not_found},
    )
    return Front(api, app)


def webapi_for(state: IngestState) -> WebApi:
    """The web API's state for an ingest: its store in the ingest's data folder, tokens from the env."""
    api = WebApi(store=WebApiStore(state.store.path.parent))
    token = os.environ.get(TOKEN_ENV)
    if token:
        api.store.add_token(token, None, TOKEN_ENV)
    return api


def gzip_chunk(data: bytes) -> bytes:
    """How sentry-cli compresses a chunk (for tests and the benchmark)."""
    return gzip.compress(data)
