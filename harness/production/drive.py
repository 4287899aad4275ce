"""Driving a target for the production checks: bursts of marked requests, flush, collect, wait for markers.

The one module of `harness.production` that does I/O; suites and self-tests call it from fixtures.
Synchronisation is by condition, never by sleeping: the target's flush route (the SDK has sent what it
holds), then the ingest's flush (what was answered is committed), then the ingest's long-poll.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from harness.ingest import ProjectHandle, StoredItem
from harness.ingest.wait import wait_until
from harness.production.items import marked_items
from harness.targets.target import Target

__all__ = ["burst", "collect", "new_marker", "run_async", "wait_marked"]

T = TypeVar("T")


def new_marker(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


async def _burst(
    url: str,
    requests: Sequence[tuple[str, str, Mapping[str, str], Any]],
    concurrency: int,
    rate: float | None = None,
) -> Counter[int]:
    statuses: Counter[int] = Counter()
    queue = list(reversed(list(enumerate(requests))))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with httpx.AsyncClient(base_url=url, timeout=30.0, trust_env=False, limits=limits) as client:

        async def worker() -> None:
            while queue:
                index, (method, path, headers, body) = queue.pop()
                if rate is not None and (wait := start + index / rate - loop.time()) > 0:
                    await asyncio.sleep(wait)  # sleep-ok: the arrival timetable itself, not synchronisation
                response = await client.request(method, path, headers=dict(headers), json=body)
                statuses[response.status_code] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def burst(
    target: Target,
    requests: Sequence[tuple[str, str, Mapping[str, str], Any]],
    *,
    concurrency: int = 8,
    rate: float | None = None,
) -> Counter[int]:
    """Send ``(method, path, headers, json)`` requests with up to ``concurrency`` in flight; status counts.
    With ``rate``, request i starts no earlier than i / rate seconds in (a steady arrival rate, for
    "moderate load"); without, as fast as the target answers (saturation)."""
    return run_async(_burst(target.url, requests, concurrency, rate))


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion in a thread of its own, so a caller inside a running event loop
    (Playwright's sync API keeps one while a browser is open) can still use it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def same_requests(
    n: int, path: str, headers: Mapping[str, str], method: str = "GET"
) -> list[tuple[str, str, Mapping[str, str], Any]]:
    return [(method, path, headers, None)] * n


def collect(target: Target, project: ProjectHandle | None = None) -> list[StoredItem]:
    """Everything the server project holds once the server SDK has flushed and the ingest committed."""
    project = project or target.server_project
    if project is None:
        raise RuntimeError(f"{target.name} has no server project")
    if target.options.fault_token is not None:
        target.flush()
    return project.items()


def wait_marked(
    project: ProjectHandle, marker: str, *, count: int = 1, type: str = "event", timeout: float = 15.0
) -> list[StoredItem]:
    """At least ``count`` items of ``type`` marked ``marker``, long-polling until they are there or the deadline."""
    items = wait_until(
        project, lambda now: len(marked_items(now, marker, (type,))) >= count, type=type, timeout=timeout
    )
    return marked_items(items, marker, (type,))
