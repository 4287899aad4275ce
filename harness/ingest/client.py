"""`IngestClient`: the synchronous client tests, suites and the CLI use to talk to the ingest.

Every wait is a server-side long-poll with a deadline (no client-side polling loop, no sleeps).
Items come back as `StoredItem` (decoded by `wire`), whose ``view`` is the codec's typed view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from harness.ingest.wire import StoredItem, StoredRequest, item_from_wire, request_from_wire


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    key: str
    dsn: str
    name: str | None = None


class IngestClient:
    def __init__(self, url: str, *, token: str | None = None, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url + "/_gate", headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IngestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"ingest {method} {path} → {response.status_code}: {response.text[:500]}")
        return orjson.loads(response.content)

    # ---- projects -----------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", "/health")
        return result

    def create_project(
        self, name: str | None = None, *, project_id: int | None = None, key: str | None = None
    ) -> ProjectInfo:
        spec: dict[str, Any] = {"name": name}
        if project_id is not None:
            spec["id"] = project_id
        if key is not None:
            spec["key"] = key
        data = self._json("POST", "/projects", json=spec)
        return ProjectInfo(data["id"], data["key"], data["dsn"], data.get("name"))

    def projects(self, *, timeout: float | None = None) -> list[ProjectInfo]:
        kwargs: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        return [
            ProjectInfo(p["id"], p["key"], p["dsn"], p.get("name")) for p in self._json("GET", "/projects", **kwargs)
        ]

    # ---- items and requests -------------------------------------------------------------------
    @staticmethod
    def _params(filters: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in filters.items():
            if value is None:
                continue
            out[key] = ("1" if value else "0") if isinstance(value, bool) else value
        return out

    def items(self, project: int | None = None, type: str | None = None, **filters: Any) -> list[StoredItem]:
        """What is committed now. Call `flush` first when the answer must include in-flight requests."""
        params = self._params({"project": project, "type": type, **filters})
        return [item_from_wire(i) for i in self._json("GET", "/items", params=params)["items"]]

    def wait_for_items(
        self, project: int | None = None, type: str | None = None, count: int = 1, timeout: float = 10.0, **filters: Any
    ) -> list[StoredItem]:
        """Long-poll until at least ``count`` matching items are stored; `TimeoutError` names what did arrive."""
        params = self._params({"project": project, "type": type, "count": count, "timeout": timeout, **filters})
        data = self._json("GET", "/wait", params=params, timeout=timeout + 30.0)
        items = [item_from_wire(i) for i in data["items"]]
        if data["timed_out"]:
            seen = self.items(project=project) if project is not None else []
            kinds: dict[str, int] = {}
            for item in seen:
                kinds[item.type] = kinds.get(item.type, 0) + 1
            raise TimeoutError(
                f"waited {timeout:g} s for {count} item(s) type={type} {filters or ''} in project {project}: "
                f"{len(items)} matched; the project holds {kinds or 'nothing'}"
            )
        return items

    def requests(self, project: int | None = None, **filters: Any) -> list[StoredRequest]:
        params = self._params({"project": project, **filters})
        return [request_from_wire(r) for r in self._json("GET", "/requests", params=params)["requests"]]

    def request_body(self, request_id: int, *, decoded: bool = False) -> bytes:
        response = self._http.get(f"/requests/{request_id}/body", params={"decoded": "1" if decoded else "0"})
        response.raise_for_status()
        return response.content

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", "/stats")
        return result

    def flush(self) -> int:
        """Wait until every request answered so far is committed; returns the committed count."""
        return int(self._json("POST", "/flush")["committed"])

    def clear(self, project: int | None = None) -> int:
        return int(self._json("POST", "/clear", json={"project": project})["deleted_items"])

    def export(self, fmt: str = "jsonl", project: int | None = None) -> bytes:
        response = self._http.get("/export", params=self._params({"format": fmt, "project": project}))
        response.raise_for_status()
        return response.content

    # ---- faults -------------------------------------------------------------------------------
    def add_fault(self, kind: str = "status", **spec: Any) -> dict[str, Any]:
        """E.g. ``add_fault(status=429, retry_after=60, rate_limits="60:transaction:key", count=5)``."""
        result: dict[str, Any] = self._json("POST", "/faults", json={"kind": kind, **spec})
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("GET", "/faults")
        return result

    def clear_faults(self, fault_id: int | None = None) -> list[int]:
        path = "/faults" if fault_id is None else f"/faults/{fault_id}"
        return list(self._json("DELETE", path)["removed"])


@dataclass
class ProjectHandle:
    """One test's project: its DSN, and its client's calls pre-filtered to it."""

    client: IngestClient
    info: ProjectInfo

    @property
    def id(self) -> int:
        return self.info.id

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def dsn(self) -> str:
        return self.info.dsn

    def wait_for_items(
        self, type: str | None = None, count: int = 1, timeout: float = 10.0, **filters: Any
    ) -> list[StoredItem]:
        return self.client.wait_for_items(self.id, type, count, timeout, **filters)

    def items(self, type: str | None = None, *, flush: bool = True, **filters: Any) -> list[StoredItem]:
        if flush:
            self.client.flush()
        return self.client.items(self.id, type, **filters)

    def requests(self, *, flush: bool = True, **filters: Any) -> list[StoredRequest]:
        if flush:
            self.client.flush()
        return self.client.requests(self.id, **filters)

    def add_fault(self, kind: str = "status", **spec: Any) -> dict[str, Any]:
        return self.client.add_fault(kind, project=self.id, **spec)
