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

from harness.ingest import IngestClient

__all__ = ["HandshakeResult", "wait_for_deployment"]

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
