"""A synchronous facade over httpx's in-process ASGI transport (Starlette's TestClient is deprecated)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp


class SyncASGIClient:
    """Runs ``app`` mounted at ``/api/0`` as the ingest mounts it; every call is one in-process request."""

    def __init__(self, app: ASGIApp, base_url: str = "http://127.0.0.1:9/api/0") -> None:
        self._runner = asyncio.Runner()
        mounted = Starlette(routes=[Mount("/api/0", app=app)])
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=mounted), base_url=base_url)
        self.headers = self._client.headers

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._runner.run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._runner.run(self._client.aclose())
        self._runner.close()
