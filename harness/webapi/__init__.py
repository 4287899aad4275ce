"""The Sentry web-API subset that ``sentry-cli`` calls (releases, deploys, chunk upload, artifact bundles).

Mounted by the ingest's control app under ``/api/0/``, so one fake Sentry process serves both the
SDKs and the CLI from the same data folder. This module is the extension point; the routes live in
its submodules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from harness.ingest.app import IngestState


def build_webapi(state: IngestState) -> ASGIApp:
    """The web API as an ASGI app (mounted at ``/api/0``); empty until its routes land."""
    return Starlette(routes=[])
