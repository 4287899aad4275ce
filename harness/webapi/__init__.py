"""The Sentry web-API subset that ``sentry-cli`` calls (releases, deploys, chunk upload, artifact bundles).

Mounted by the ingest's control app under ``/api/0/``, so one fake Sentry process serves both the
SDKs and the CLI from the same data folder (its own ``webapi.sqlite3`` and ``webapi/`` files beside
the ingest's store). Routes and semantics: docs/release.md. Names load on first use, so a test
process that only reads bundles never imports the server side.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from harness.ingest.app import IngestState
    from harness.webapi.app import TOKEN_ENV, WebApi, WebApiConfig
    from harness.webapi.bundle import (
        ArtifactBundle,
        BundleError,
        BundleFile,
        normalize_debug_id,
        parse_artifact_bundle,
    )
    from harness.webapi.client import WebApiClient, WebRequest

__all__ = [
    "TOKEN_ENV",
    "ArtifactBundle",
    "BundleError",
    "BundleFile",
    "WebApi",
    "WebApiClient",
    "WebApiConfig",
    "WebRequest",
    "build_webapi",
    "normalize_debug_id",
    "parse_artifact_bundle",
]

_HOME = {
    "TOKEN_ENV": "app",
    "WebApi": "app",
    "WebApiConfig": "app",
    "ArtifactBundle": "bundle",
    "BundleError": "bundle",
    "BundleFile": "bundle",
    "normalize_debug_id": "bundle",
    "parse_artifact_bundle": "bundle",
    "WebApiClient": "client",
    "WebRequest": "client",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'harness.webapi' has no attribute {name!r}")
    return getattr(importlib.import_module(f"harness.webapi.{module}"), name)


def build_webapi(state: IngestState) -> ASGIApp:
    """The web API as an ASGI app (mounted at ``/api/0``), its data beside the ingest's store."""
    from harness.webapi.app import create_webapi, webapi_for

    return create_webapi(webapi_for(state))
