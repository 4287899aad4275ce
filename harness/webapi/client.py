"""`WebApiClient`: what tests, checks and the release runner use to read the fake web API.

Two kinds of call: Sentry's own routes (releases, deploys), authenticated with a token like
``sentry-cli`` is, and the gate-only routes under ``/api/0/_gate/`` (tokens, bundles, the request
log, faults, chunk options), which need no Sentry token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from harness.webapi.bundle import ArtifactBundle, parse_artifact_bundle


@dataclass(frozen=True)
class WebRequest:
    id: int
    method: str
    path: str
    org: str | None
    endpoint: str
    status: int
    reason: str | None
    fault: int | None
    duration_ms: float
    received_at: float

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> WebRequest:
        return cls(
            id=d["id"],
            method=d["method"],
            path=d["path"],
            org=d["org"],
            endpoint=d["endpoint"],
            status=d["status"],
            reason=d["reason"],
            fault=d["fault"],
            duration_ms=d["duration_ms"],
            received_at=d["received_at"],
        )


class WebApiClient:
    def __init__(
        self, url: str, *, token: str | None = None, control_token: str | None = None, timeout: float = 30.0
    ) -> None:
        self.url = url.rstrip("/")
        self.api_url = self.url + "/api/0"
        self.token = token
        self.control_token = control_token
        gate_headers = {"authorization": f"Bearer {control_token}"} if control_token else {}
        self._http = httpx.Client(timeout=timeout)
        self._gate_headers = gate_headers

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WebApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing -----------------------------------------------------------------------------
    def _gate(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, f"{self.api_url}/_gate{path}", headers=self._gate_headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"web API {method} /_gate{path} → {response.status_code}: {response.text[:500]}")
        return orjson.loads(response.content) if response.content else None

    def sentry(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        """A call to a Sentry route (path relative to ``/api/0``) with the client's (or a given) token."""
        use = token if token is not None else self.token
        headers = {"authorization": f"Bearer {use}"} if use else {}
        return self._http.request(method, f"{self.api_url}{path}", headers=headers, **kwargs)

    def _sentry_json(self, path: str) -> Any:
        response = self.sentry("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise RuntimeError(f"web API GET {path} → {response.status_code}: {response.text[:500]}")
        return orjson.loads(response.content)

    # ---- gate routes --------------------------------------------------------------------------
    def create_token(self, org: str | None = None, *, token: str | None = None, label: str | None = None) -> str:
        spec: dict[str, Any] = {"org": org, "label": label}
        if token is not None:
            spec["token"] = token
        value: str = self._gate("POST", "/tokens", json=spec)["token"]
        return value

    def bundles(
        self, org: str, *, release: str | None = None, project: str | None = None, debug_id: str | None = None
    ) -> list[dict[str, Any]]:
        params = {
            k: v for k, v in {"org": org, "release": release, "project": project, "debug_id": debug_id}.items() if v
        }
        result: list[dict[str, Any]] = self._gate("GET", "/bundles", params=params)
        return result

    def bundle(self, bundle_id: int) -> ArtifactBundle:
        response = self._http.get(f"{self.api_url}/_gate/bundles/{bundle_id}/raw", headers=self._gate_headers)
        response.raise_for_status()
        return parse_artifact_bundle(response.content)

    def requests(self, org: str | None = None, *, after_id: int | None = None) -> list[WebRequest]:
        params: dict[str, Any] = {}
        if org is not None:
            params["org"] = org
        if after_id is not None:
            params["after_id"] = after_id
        return [WebRequest.from_json(r) for r in self._gate("GET", "/requests", params=params)]

    def add_fault(self, kind: str = "status", **spec: Any) -> dict[str, Any]:
        """E.g. ``add_fault(status=503, endpoint="assemble", org="acme", count=2)``."""
        result: dict[str, Any] = self._gate("POST", "/faults", json={"kind": kind, **spec})
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._gate("GET", "/faults")
        return result

    def clear_faults(self, fault_id: int | None = None) -> list[int]:
        path = "/faults" if fault_id is None else f"/faults/{fault_id}"
        return list(self._gate("DELETE", path)["removed"])

    def config(self, **changes: int) -> dict[str, int]:
        result: dict[str, int] = self._gate("PUT" if changes else "GET", "/config", json=changes or None)
        return result

    # ---- Sentry routes ------------------------------------------------------------------------
    def release(self, org: str, version: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self._sentry_json(f"/organizations/{org}/releases/{version}/")
        return result

    def releases(self, org: str, project: str | None = None) -> list[dict[str, Any]]:
        path = f"/projects/{org}/{project}/releases/" if project else f"/organizations/{org}/releases/"
        return list(self._sentry_json(path) or [])

    def deploys(self, org: str, version: str) -> list[dict[str, Any]]:
        return list(self._sentry_json(f"/organizations/{org}/releases/{version}/deploys/") or [])
