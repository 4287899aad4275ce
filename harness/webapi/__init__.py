"""The Sentry web-API subset that ``sentry-cli`` calls (releases, deploys, chunk upload, artifact bundles).

Mounted under ``/api/0/`` by `harness.server` beside the ingest, so one fake Sentry process serves
both the SDKs and the CLI from the same data folder (its own ``webapi.sqlite3`` and ``webapi/`` files
beside the ingest's store). Routes and semantics: docs/release.md. Names load on first use, so a test
process that only reads bundles never imports the server side.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.webapi.bundle import (
        ArtifactBundle,
        BundleError,
        BundleFile,
        normalize_debug_id,
        parse_artifact_bundle,
    )
    from harness.webapi.client import WebApiClient, WebRequest
    from harness.webapi.state import WebApi, WebApiConfig

__all__ = [
    "ArtifactBundle",
    "BundleError",
    "BundleFile",
    "WebApi",
    "WebApiClient",
    "WebApiConfig",
    "WebRequest",
    "normalize_debug_id",
    "parse_artifact_bundle",
]

_HOME = {
    "WebApi": "state",
    "WebApiConfig": "state",
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
