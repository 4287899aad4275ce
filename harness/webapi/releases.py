"""Sentry's release routes as ``sentry-cli`` calls them: the auth check, releases, deploys.

Module-level handlers over the web API's state (`WebApi`), named in `app.WEBAPI_ROUTES`. Status
codes, validation messages and bodies are Sentry's where ``sentry-cli`` or a check can tell the
difference (sources named in docs/release.md); organizations and projects are open (any slug is
accepted and created on first use).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from harness.webapi.auth import Principal
from harness.webapi.responses import NOT_FOUND, error, json_response, read_json
from harness.webapi.state import WebApi

__all__ = ["deploys", "index", "iso", "parse_date", "project_releases", "release", "releases", "valid_version"]


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


def _project_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str | int) for p in value):
        raise ValueError("projects")
    return [str(p) for p in value]


# ---- handlers ----------------------------------------------------------------------------------
async def index(api: WebApi, request: Request) -> Response:
    principal: Principal | None = request.scope.get("gate.principal")
    if principal is None:
        return json_response({"version": "0", "auth": None, "user": None})
    return json_response(
        {
            "version": "0",
            "auth": {"scopes": ["org:read", "project:releases", "project:write"]},
            "user": {"id": "1", "email": "gate@sentry-gate.invalid", "username": "gate"},
        }
    )


async def releases(api: WebApi, request: Request) -> Response:
    org = request.path_params["org"]
    if request.method == "GET":
        return json_response([_release_json(api, r) for r in api.store.releases(org)])
    data = await read_json(request)
    if not isinstance(data, dict):
        return json_response({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}, 400)
    version = data.get("version")
    if not isinstance(version, str) or not version:
        return json_response({"version": ["This field is required."]}, 400)
    if not valid_version(version):
        return json_response({"version": [f"Release with name {version} is not allowed"]}, 400)
    try:
        projects = _project_list(data.get("projects"))
    except ValueError:
        return json_response({"projects": ["This field is required."]}, 400)
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
        return json_response({name: [message]}, 400)
    row, created, added = api.store.create_release(org, version, projects, fields)
    return json_response(_release_json(api, row), 201 if created or added else 208)


async def release(api: WebApi, request: Request) -> Response:
    org, version = request.path_params["org"], request.path_params["version"]
    row = api.store.release(org, version)
    if row is None:
        return error(404, NOT_FOUND)
    if request.method == "DELETE":
        api.store.delete_release(row["id"])
        return Response(status_code=204)
    if request.method == "PUT":
        data = await read_json(request)
        if not isinstance(data, dict):
            return json_response({"non_field_errors": ["Invalid data."]}, 400)
        changes: dict[str, Any] = {}
        try:
            if "dateReleased" in data:
                changes["date_released"] = parse_date(data["dateReleased"], "dateReleased")
            if "dateStarted" in data:
                changes["date_started"] = parse_date(data["dateStarted"], "dateStarted")
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            return json_response({name: [message]}, 400)
        for key in ("ref", "url"):
            if key in data:
                changes[key] = data[key]
        if data.get("status") in ("open", "archived"):
            changes["status"] = data["status"]
        projects = data.get("projects")
        try:
            added = _project_list(projects) if projects is not None else None
        except ValueError:
            return json_response({"projects": ["Expected a list of items."]}, 400)
        api.store.update_release(row["id"], changes, added)
        row = api.store.release(org, version)
    return json_response(_release_json(api, row))


async def project_releases(api: WebApi, request: Request) -> Response:
    org, project = request.path_params["org"], request.path_params["project"]
    return json_response([_release_json(api, r) for r in api.store.releases(org, project)])


async def deploys(api: WebApi, request: Request) -> Response:
    org, version = request.path_params["org"], request.path_params["version"]
    row = api.store.release(org, version)
    if row is None:
        return error(404, NOT_FOUND)
    if request.method == "GET":
        return json_response([_deploy_json(d) for d in api.store.deploys(row["id"])])
    data = await read_json(request)
    if not isinstance(data, dict):
        return json_response({"non_field_errors": ["Invalid data."]}, 400)
    env = data.get("environment")
    if not isinstance(env, str) or not env:
        return json_response({"environment": ["This field is required."]}, 400)
    if "/" in env or len(env) > 64 or env.strip() != env:
        return json_response({"environment": ["Invalid value for environment"]}, 400)
    try:
        spec = {
            "environment": env,
            "name": data.get("name"),
            "url": data.get("url"),
            "date_started": parse_date(data.get("dateStarted"), "dateStarted"),
            "date_finished": parse_date(data.get("dateFinished"), "dateFinished"),
            "projects": data.get("projects") or api.store.release_projects(row["id"]),
        }
    except ValueError as exc:
        name, _, message = str(exc).partition(": ")
        return json_response({name: [message]}, 400)
    deploy_id = api.store.add_deploy(row["id"], spec)
    return json_response(_deploy_json(api.store.deploy(deploy_id)), 201)
