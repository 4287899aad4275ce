"""Checks that run on the user's own deployment (``sentry-gate run --target URL``), from what it sent.

The gate does not control an external deployment, so these read only what it sent to the gate's ingest
after the run's handshake and the traffic the test sends: the requests of a URL-only target file's
``[traffic]`` (else a few ordinary paths). When that traffic declares error requests, the checks judge
only once an error event arrived after them (waited for, with a deadline), not a fixed time after the
handshake. Every event, transaction and session must carry the environment and release the run names
(a session is required only where the file declares ``expect.release_health``), and the release must be
one Relay accepts. On a run that starts its target these tests are skipped (the other suites check the
same ids more deeply).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import httpx
import pytest

from harness.ingest import StoredItem
from harness.ingest.wait import wait_until
from harness.production import checks
from harness.production.described import as_burst, filled
from harness.recorder import CheckRecorder
from harness.settings import Settings
from harness.targetfile import TargetFile, load_target_file
from harness.targetfile.model import Request
from harness.targets.target import Target

pytestmark = pytest.mark.external_target

PATHS = ("/", "/api/search?q=gate", "/does-not-exist")
"""Ordinary traffic that makes a typical app send a transaction or an error; any status is fine."""
ERROR_WAIT_S = 30.0
"""How long an error request may take to show up at the ingest before the checks judge without it."""


def _declared(settings: Settings) -> TargetFile | None:
    return load_target_file(settings.target_file).model if settings.target_file is not None else None


def _send(http: httpx.Client, request: Request) -> None:
    method, path, headers, body = as_burst(request)
    form = {k: filled(v) for k, v in request.form.items()} if request.form is not None else None
    with contextlib.suppress(httpx.HTTPError):  # the deployment's own problem; what it sent is still read
        http.request(method, path, headers=dict(headers), json=body, data=form)


@dataclass(frozen=True)
class Deployment:
    target: Target
    release_health: bool


@pytest.fixture(scope="module")
def deployment(gate_target: Target | None, gate_settings: Settings) -> Deployment:
    if gate_target is None:
        pytest.skip("runs only against an external deployment (sentry-gate run --target URL)")
    model = _declared(gate_settings)
    requests = list(model.traffic.requests.values()) if model is not None else []
    sent_at = time.time()  # the ingest stamps items with the same clock: it runs on this machine
    with httpx.Client(base_url=gate_target.url, timeout=10.0, trust_env=False) as http:
        for request in requests or [Request(path=p) for p in PATHS]:
            _send(http, request)
    if any(r.kind == "error" for r in requests):  # judge once what the error traffic produces has come
        assert gate_target.server_project is not None
        wait_until(
            gate_target.server_project,
            lambda items: any(i.received_at >= sent_at for i in items),
            type="event",
            timeout=ERROR_WAIT_S,
        )
    return Deployment(gate_target, release_health=model.expect.release_health if model is not None else False)


def _items(target: Target) -> list[StoredItem]:
    assert target.server_project is not None
    assert target.browser_project is not None
    return [*target.server_project.items(), *target.browser_project.items()]


def test_environment_on_what_the_deployment_sent(deployment: Deployment, gate_check: CheckRecorder) -> None:
    target = deployment.target
    gate_check(checks.environment_on_items("production.config.environment", _items(target), target.options.environment))


def test_release_on_what_the_deployment_sent(deployment: Deployment, gate_check: CheckRecorder) -> None:
    release = deployment.target.options.release
    if release is None:
        pytest.skip("no --release given: nothing to compare the deployment's release with")
    gate_check.all(
        [
            checks.release_on_items(
                "production.release.every-item",
                _items(deployment.target),
                release,
                release_health=deployment.release_health,
            ),
            checks.release_valid("production.release.valid", release),
        ]
    )
