"""What one running web API holds, typed: its store, the chunk options it announces, its faults.

Every web-API handler (`releases`, `uploads`, `gate`) and the front (`front`) work over this one
object; `harness.server` builds it with `webapi_for` beside the ingest's store.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from harness.webapi.auth import Principal
from harness.webapi.faults import WebFaultSet
from harness.webapi.store import WebApiStore

__all__ = ["WebApi", "WebApiConfig", "webapi_for"]


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


def webapi_for(data_dir: Path, *, token: str | None = None) -> WebApi:
    """The web API over the data folder ``data_dir`` (the ingest's). ``token`` is one every organization
    accepts, declared when the fake Sentry starts (the settings' ``api_token``: CI, local replays)."""
    api = WebApi(store=WebApiStore(data_dir))
    if token:
        api.store.add_token(token, None, "declared at start")
    return api
