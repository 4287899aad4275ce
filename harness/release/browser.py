"""Throw errors from known places of a page in real Chromium and collect the events the SDK sent.

The browser is the caller's (`harness.common.browser.chromium`). Each throw site is triggered by clicking
an element; the event is told apart by a text its message carries. The page's flush hook
(``window.__gate.flush``) is awaited, then the ingest is long-polled for the events: no sleeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.ingest import ProjectHandle, StoredItem


@dataclass(frozen=True)
class Trigger:
    site: str
    selector: str
    """What to click."""
    message: str
    """A text the event's exception value contains (tells this site's event from the others)."""


def exception_text(event: Mapping[str, Any]) -> str:
    values = (event.get("exception") or {}).get("values") or []
    return " ".join(f"{v.get('type')}: {v.get('value')}" for v in values)


def capture_throw_sites(
    browser: Any,
    url: str,
    triggers: Sequence[Trigger],
    project: ProjectHandle,
    *,
    ready: str = "window.__gate !== undefined",
    timeout: float = 20.0,
) -> dict[str, dict[str, Any] | None]:
    """Click every trigger on one page, each after the previous one's event arrived; ``{site: event or None}``.

    A site whose event never comes costs ``timeout`` and shows as None (reason ``no-event``)."""
    page = browser.new_page()
    items: list[StoredItem] = []
    try:
        page.goto(url, wait_until="load")
        page.wait_for_function(ready, timeout=timeout * 1000)
        for trigger in triggers:
            page.click(trigger.selector)
            # One site at a time, its event awaited (page open, so late throws from timers and promise
            # jobs still reach the SDK): errors thrown in the same tick race the SDK's "ignore the
            # re-thrown error" window (`ignoreNextOnError`) and one of them can be dropped.
            try:
                items = project.wait_for_items(type="event", count=len(items) + 1, timeout=timeout)
            except TimeoutError:
                page.evaluate("(ms) => window.__gate.flush(ms)", 5000)
                items = project.items(type="event")
    finally:
        page.close()
    events = [item.json() for item in items]
    found: dict[str, dict[str, Any] | None] = {}
    for trigger in triggers:
        found[trigger.site] = next((e for e in events if trigger.message in exception_text(e)), None)
    return found
