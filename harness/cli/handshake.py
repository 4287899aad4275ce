"""The external-target handshake: prove a user's deployment really sends to the gate before suites run.

Running checks against a deployment that still sends to the real Sentry would measure nothing and pass
"nothing was sent" checks for the wrong reason. So the run waits, with a deadline, until an item arrives
on one of the projects it created for the deployment, nudging it meanwhile by requesting its URL (a
request alone rarely produces an event; the message tells the user what would).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from harness.cli.console import Console, progress
from harness.ingest import IngestClient
from harness.settings import Settings
from harness.targets.external import describe_external
from harness.targets.options import TargetOptions

__all__ = ["BROWSER_PROJECT", "SERVER_PROJECT", "HandshakeResult", "external_handshake", "wait_for_deployment"]

SERVER_PROJECT, BROWSER_PROJECT = 2, 3
"""Fixed ingest project ids for an external deployment: with ``--ingest-port`` and ``--dsn-key`` its DSNs
(``http://KEY@127.0.0.1:PORT/2`` and ``…/3``) are the same on every run, so CI can configure it once."""

_ROUND_S = 5.0
"""Longest single long-poll: between polls the deployment is nudged again."""


@dataclass(frozen=True, slots=True)
class HandshakeResult:
    arrived: bool
    waited_s: float
    item_types: tuple[str, ...]
    nudges: int


def _nudge(http: httpx.Client, url: str) -> None:
    # Any answer is fine (even a 500 is the app working); the point is to make its SDK send something.
    with contextlib.suppress(httpx.HTTPError):
        http.get(url)


def wait_for_deployment(
    ingest: IngestClient,
    projects: tuple[int, ...],
    url: str,
    *,
    timeout: float,
    on_round: Callable[[float], None] | None = None,
) -> HandshakeResult:
    """Wait until any item arrives on ``projects``, requesting ``url`` before each bounded long-poll."""
    started = time.monotonic()
    deadline = started + timeout
    nudges = 0
    with httpx.Client(timeout=10.0, trust_env=False, follow_redirects=True) as http:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return HandshakeResult(False, time.monotonic() - started, (), nudges)
            _nudge(http, url)
            nudges += 1
            if on_round is not None:
                on_round(time.monotonic() - started)
            for project in projects:
                ingest.flush()
                found = ingest.items(project=project)
                if found:
                    return HandshakeResult(True, time.monotonic() - started, tuple(i.type for i in found), nudges)
            try:
                found = ingest.wait_for_items(project=projects[0], timeout=min(_ROUND_S, max(0.1, remaining)))
            except TimeoutError:
                continue
            return HandshakeResult(True, time.monotonic() - started, tuple(i.type for i in found), nudges)


def external_handshake(
    settings: Settings, client: IngestClient, *, dsn_key: str | None, timeout: float, console: Console
) -> tuple[bool, list[str], Settings]:
    """Create the deployment's projects, print what to set in it, and wait for it to send: whether it did,
    the report's notes, and the settings with its projects and environment."""
    target = settings.target or ""
    server = client.create_project("external server", project_id=SERVER_PROJECT, key=dsn_key)
    browser = client.create_project("external browser", project_id=BROWSER_PROJECT, key=dsn_key)
    options = TargetOptions(
        environment=settings.environment or "production",
        release=settings.release,
        server_dsn=server.dsn,
        browser_dsn=browser.dsn,
        fault_token=None,
    )
    external = describe_external(target, options)
    console.print(external.instructions())
    console.print(external.sdk_settings())
    settings = settings.replace(server_project=server.id, browser_project=browser.id, environment=options.environment)
    with progress(console, f"waiting up to {timeout:g} s for {target} to send to the gate") as status:
        result = wait_for_deployment(
            client,
            (server.id, browser.id),
            target,
            timeout=timeout,
            on_round=lambda s: status.update(f"waiting for {target} to send to the gate: {s:.0f} s"),
        )
    if not result.arrived:
        return (
            False,
            [
                f"handshake failed: nothing arrived from {target} within {timeout:g} s"
                f" ({result.nudges} request(s) to it); is it running with the settings above?"
            ],
            settings,
        )
    kinds = ", ".join(sorted(set(result.item_types)))
    return True, [f"handshake: {target} sent {kinds} after {result.waited_s:.1f} s"], settings
