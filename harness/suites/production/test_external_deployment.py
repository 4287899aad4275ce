"""Checks that run on the user's own deployment (``sentry-gate run --target URL``), from what it sent.

The gate does not control an external deployment, so these read only what it sent to the gate's ingest
after the run's handshake (and after a few ordinary requests the test makes): every event, transaction
and session must carry the environment and release the run names, and the release must be one Relay
accepts. On a bundled run these tests are skipped (the bundled suites check the same ids more deeply).
"""

from __future__ import annotations

import contextlib

import httpx
import pytest

from harness.ingest import StoredItem
from harness.production import checks
from harness.recorder import CheckRecorder
from harness.targets.target import Target

pytestmark = pytest.mark.external_target

PATHS = ("/", "/api/search?q=gate", "/does-not-exist")
"""Ordinary traffic that makes a typical app send a transaction or an error; any status is fine."""


@pytest.fixture(scope="module")
def deployment(gate_target: Target | None) -> Target:
    if gate_target is None:
        pytest.skip("runs only against an external deployment (sentry-gate run --target URL)")
    with httpx.Client(timeout=10.0) as http:
        for path in PATHS:
            with contextlib.suppress(httpx.HTTPError):  # the deployment's own problem; what it sent is still read
                http.get(gate_target.url + path)
    return gate_target


def _items(target: Target) -> list[StoredItem]:
    assert target.server_project is not None
    assert target.browser_project is not None
    return [*target.server_project.items(), *target.browser_project.items()]


def test_environment_on_what_the_deployment_sent(deployment: Target, gate_check: CheckRecorder) -> None:
    gate_check(
        checks.environment_on_items("production.config.environment", _items(deployment), deployment.options.environment)
    )


def test_release_on_what_the_deployment_sent(deployment: Target, gate_check: CheckRecorder) -> None:
    release = deployment.options.release
    if release is None:
        pytest.skip("no --release given: nothing to compare the deployment's release with")
    gate_check.all(
        [
            checks.release_on_items("production.release.every-item", _items(deployment), release),
            checks.release_valid("production.release.valid", release),
        ]
    )
