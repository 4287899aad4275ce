"""Pytest fixtures for the release checks: the web API of the session's fake Sentry, an organization
per test (isolation without resets, as projects isolate the ingest), and the real ``sentry-cli``.

- ``sentry_webapi`` (session): a `WebApiClient` for the ingest's ``/api/0``.
- ``sentry_org`` (function): a fresh organization slug with its own token scoped to it.
- ``sentry_cli`` (session): the ``sentry-cli`` binary; a missing one is a missing prerequisite (skipped
  with the reason, failed under ``CI``, where ``make install-python`` must have installed the wheel).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient
from harness.release.sentry_cli import CliTarget, find_sentry_cli
from harness.settings import Settings
from harness.webapi.client import WebApiClient

__all__ = ["SentryOrg", "sentry_cli", "sentry_org", "sentry_webapi"]


@dataclass(frozen=True)
class SentryOrg:
    """One test's organization on the fake web API, with a token that only it accepts."""

    slug: str
    token: str
    api: WebApiClient

    def cli_target(self, project: str | int, *, max_retries: int | None = 0, token: str | None = "") -> CliTarget:
        """Where ``sentry-cli`` should talk to; retries off unless asked (five retries cost ~18 s)."""
        return CliTarget(
            url=self.api.url,
            token=self.token if token == "" else token,
            org=self.slug,
            project=str(project),
            max_retries=max_retries,
        )


@pytest.fixture(scope="session")
def sentry_webapi(sentry_ingest: IngestClient, gate_settings: Settings) -> Iterator[WebApiClient]:
    client = WebApiClient(sentry_ingest.url, control_token=gate_settings.control_token)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def sentry_org(sentry_webapi: WebApiClient, request: pytest.FixtureRequest) -> Iterator[SentryOrg]:
    digest = hashlib.sha1(f"{request.node.nodeid}:{os.getpid()}".encode()).hexdigest()[:12]  # noqa: S324 - a name
    slug = f"org-{digest}"
    token = sentry_webapi.create_token(slug, label=request.node.nodeid)
    api = WebApiClient(sentry_webapi.url, token=token, control_token=sentry_webapi.control_token)
    try:
        yield SentryOrg(slug=slug, token=token, api=api)
    finally:
        api.close()


@pytest.fixture(scope="session")
def sentry_cli() -> Path:
    cli = find_sentry_cli()
    if cli is None:
        unavailable("no sentry-cli binary (the `sentry-cli` wheel installs one into the virtualenv)")
    return cli
