"""Waiting for stored items the ingest cannot filter on: a text in the payload, a replay's id, a marker tag.

The control API's long-poll waits for a count of items by project and type. A test or a probe that wants
the one item matching a condition repeats it: look, and if nothing matches, long-poll for one more item of
that type, until the deadline. This is that loop, written once, so callers never poll or sleep.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from harness.ingest.client import ProjectHandle
from harness.ingest.wire import StoredItem

__all__ = ["LONG_POLL_S", "mentions", "wait_matching", "wait_until"]

LONG_POLL_S = 5.0
"""The longest single long-poll inside a wait: a new item of another shape wakes it sooner anyway."""


def mentions(text: str) -> Callable[[StoredItem], bool]:
    """A predicate: the item's payload contains ``text`` (UTF-8)."""
    needle = text.encode()
    return lambda item: needle in item.payload


def wait_until(
    project: ProjectHandle,
    done: Callable[[list[StoredItem]], bool],
    *,
    type: str | None = None,
    timeout: float = 10.0,
) -> list[StoredItem]:
    """``project``'s items (of ``type``) as soon as ``done(items)`` holds, or as they are at the deadline: the
    caller judges what came (a count short of the one asked for is a measurement, not an error)."""
    deadline = time.monotonic() + timeout
    while True:
        items = project.items(type)
        remaining = deadline - time.monotonic()
        if done(items) or remaining <= 0:
            return items
        with contextlib.suppress(TimeoutError):  # one more look above, then return what is stored
            project.wait_for_items(type, count=len(items) + 1, timeout=min(remaining, LONG_POLL_S))


def wait_matching(
    project: ProjectHandle,
    predicate: Callable[[StoredItem], bool],
    *,
    type: str | None = None,
    timeout: float = 10.0,
) -> list[StoredItem]:
    """The items of ``project`` (of ``type``) matching ``predicate``, as soon as there is one.

    Raises `TimeoutError`, naming what the project holds, when none matched within ``timeout`` seconds."""
    items = wait_until(project, lambda now: any(predicate(item) for item in now), type=type, timeout=timeout)
    found = [item for item in items if predicate(item)]
    if not found:
        raise TimeoutError(f"nothing matched in project {project.id} after {timeout:g} s; it holds {items}")
    return found
