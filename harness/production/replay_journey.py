"""The replay journey on the bundled Express + Vue app in Chromium, driven the same way by every caller.

The privacy suite and the target's self-tests both record replays this way: one tab per case, its injected
config patched by an init script (a route would not do: with request interception on, Chromium stalls the
replay's compression worker and a flush hangs for about 45 s), a login with typed values, the profile (which
renders the fake Spotify's user), the media page (``.sentry-block``, ``.sentry-mask``); then each tab waits
until its replay is older than the SDK's 5 s minimum and flushes. The replay is read back from the ingest
once its replay event arrived. Waits are on page conditions and the ingest's long-poll, never sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.envelope import ReplayRecording
from harness.ingest import ProjectHandle, StoredItem
from harness.ingest.wait import wait_matching

__all__ = [
    "OLD_ENOUGH",
    "READY",
    "JourneyTab",
    "TabReplay",
    "open_page",
    "patch_config_script",
    "record_replays",
    "replay_events",
    "wait_for_replay",
]

K = TypeVar("K")

READY = "window.__gate !== undefined"
OLD_ENOUGH = "window.__gate.replayAgeMs() > 5100"  # the SDK sends no replay younger than 5 s
SESSION_TOKEN = "JSON.parse(sessionStorage.getItem('spotify-explorer-session')).spotifyToken"

_PATCH_CONFIG = """(() => {
  const patch = PATCH;
  let value;
  Object.defineProperty(window, '__GATE_CONFIG__', {
    configurable: true,
    get() { return value; },
    set(v) { value = { ...v, ...patch, overrides: { ...(v.overrides || {}), ...(patch.overrides || {}) } }; },
  });
})()"""


def patch_config_script(config: Mapping[str, Any]) -> str:
    """An init script: ``config``'s entries replace those of the injected config (``overrides`` merge)."""
    return _PATCH_CONFIG.replace("PATCH", json.dumps(dict(config)))


def open_page(
    browser: Any, url: str, *, config: Mapping[str, Any] | None = None, init_script: str | None = None
) -> Any:
    """A page of a new browser context at ``url`` once the app is up (``window.__gate``); ``config`` patches
    the injected config, ``init_script`` runs before the app too. Close it with ``page.context.close()``."""
    page = browser.new_context().new_page()
    if config is not None:
        page.add_init_script(patch_config_script(config))
    if init_script is not None:
        page.add_init_script(init_script)
    page.goto(url)
    page.wait_for_function(READY, polling=100)
    return page


@dataclass(frozen=True, slots=True)
class JourneyTab:
    """One tab of the journey: the ``/login`` URL it opens, its config patch, and what it types."""

    url: str
    config: Mapping[str, Any]
    email: str
    password: str
    card: str
    init_script: str | None = None


@dataclass(frozen=True, slots=True)
class TabReplay:
    """What one tab's page said at the end: its replay id (None: nothing recorded) and Spotify bearer."""

    replay_id: str | None
    bearer: str | None
    flushed: bool


def record_replays(browser: Any, tabs: Mapping[K, JourneyTab]) -> dict[K, TabReplay]:
    """Run the journey in one tab per entry of ``tabs``, side by side; every context is closed on return.

    ``flushed`` is the page's flush hook answer: True once what the SDK held was sent."""
    pages: dict[K, Any] = {}
    out: dict[K, TabReplay] = {}
    try:
        for key, tab in tabs.items():
            pages[key] = open_page(browser, tab.url, config=tab.config, init_script=tab.init_script)
        for key, page in pages.items():
            tab = tabs[key]
            page.fill("#email", tab.email)
            page.fill("#password", tab.password)
            page.fill("#card-number", tab.card)
            page.click("#login-submit")
        for page in pages.values():
            page.wait_for_selector("#spotify-email")
            page.click("text=Media")
            page.wait_for_selector("#blocked")
        for key, page in pages.items():
            # Wait for the replay's age, not a fixed time.
            page.wait_for_function(OLD_ENOUGH, timeout=15000, polling=100)
            bearer = page.evaluate(SESSION_TOKEN)
            replay_id = page.evaluate("window.__gate.replayId()")
            flushed = page.evaluate("window.__gate.flush(5000)") is True
            out[key] = TabReplay(replay_id, bearer, flushed)
    finally:
        for page in pages.values():
            page.context.close()
    return out


def wait_for_replay(project: ProjectHandle, replay_id: str, *, timeout: float = 10.0) -> list[StoredItem]:
    """The replay events of one replay, long-polling until the first is stored (`TimeoutError` if not)."""
    return wait_matching(
        project, lambda i: i.json().get("replay_id") == replay_id, type="replay_event", timeout=timeout
    )


def replay_events(project: ProjectHandle, replay_id: str) -> list[dict[str, Any]]:
    """Every rrweb event of one replay, its segments in order (recordings travel with their replay event)."""
    requests = {i.request_id for i in project.items("replay_event") if i.json().get("replay_id") == replay_id}
    segments = [i.view for i in project.items("replay_recording") if i.request_id in requests]
    recordings = sorted((s for s in segments if isinstance(s, ReplayRecording)), key=lambda s: s.segment_id)
    return [e for r in recordings for e in r.events]
