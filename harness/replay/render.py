"""Draw a captured replay as a Sentry user would see it: rrweb's own Replayer in Chromium, saved as PNG.

The events are redacted first (`harness.redact.Redactor`: every canary value, in every encoding it
knows, becomes a label such as ``⟦password#3⟧``), so the picture shows where a secret leaked without
showing it. The player is the ``rrweb`` npm package installed next to this module, in
``harness/replay/player`` (``npm ci`` there; ``make install-node`` does it): its UMD bundle is loaded into
a blank page, and nothing is fetched from the network. Secrets come in as plain (value, label) pairs, so
this module knows nothing of the privacy audit that planted them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.redact import Redactor

PLAYER_PACKAGE = Path(__file__).resolve().parent / "player"
"""The npm package (package.json and its lockfile) that installs rrweb for the player."""
PLAYER_DIR = PLAYER_PACKAGE / "node_modules" / "rrweb" / "dist"
INPUT, INCREMENTAL = 5, 3


def player_missing() -> str | None:
    """Why the player cannot run here, or None."""
    if not (PLAYER_DIR / "rrweb.umd.cjs").exists():
        return f"rrweb is not installed in {PLAYER_PACKAGE} (npm ci there)"
    return None


def redacted(events: list[dict[str, Any]], secrets: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """``events`` with every secret of ``secrets`` (``(value, label)`` pairs) replaced by ``⟦label⟧``."""
    redactor = Redactor()
    for value, label in secrets:
        redactor.add(value, label)
    out: list[dict[str, Any]] = json.loads(redactor.redact(json.dumps(events, ensure_ascii=False)))
    return out


def last_input_offset(events: list[dict[str, Any]]) -> int | None:
    """Milliseconds from the first event to the last input event (where typed values show), if any."""
    # rrweb's own events carry epoch milliseconds (Sentry's custom events may carry seconds)
    times = [
        e["timestamp"] for e in events if e.get("type") in (2, 3, 4) and isinstance(e.get("timestamp"), int | float)
    ]
    inputs = [
        e["timestamp"]
        for e in events
        if e.get("type") == INCREMENTAL and isinstance(e.get("data"), dict) and e["data"].get("source") == INPUT
    ]
    if not times or not inputs:
        return None
    return int(max(inputs) - min(times)) + 1


def render_png(browser: Any, events: list[dict[str, Any]], out: Path, *, at_ms: int | None = None) -> Path:
    """Replay ``events`` (already redacted) up to ``at_ms`` (default: the end) and save the frame as PNG."""
    events = sorted((e for e in events if e.get("type") in (2, 3, 4)), key=lambda e: e.get("timestamp", 0))
    meta: dict[str, Any] = next(
        (e["data"] for e in events if e.get("type") == 4 and isinstance(e.get("data"), dict)), {}
    )
    width, height = int(meta.get("width") or 1280), int(meta.get("height") or 720)
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_content("<!doctype html><html><body style='margin:0'><div id='root'></div></body></html>")
        page.add_style_tag(path=str(PLAYER_DIR / "style.css"))
        page.add_script_tag(path=str(PLAYER_DIR / "rrweb.umd.cjs"))
        page.evaluate(
            """([events, at]) => {
                const replayer = new rrweb.Replayer(events, {
                    root: document.getElementById('root'), showWarning: false, mouseTail: false,
                    triggerFocus: false, UNSAFE_replayCanvas: false,
                });
                const end = events[events.length - 1].timestamp - events[0].timestamp;
                replayer.pause(at === null ? end : Math.min(at, end));
                window.__replayed = true;
            }""",
            [events, at_ms],
        )
        page.wait_for_function(
            "window.__replayed && document.querySelector('iframe')"
            " && document.querySelector('iframe').contentDocument.body !== null",
            polling=100,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        page.locator(".replayer-wrapper").screenshot(path=str(out))
    finally:
        context.close()
    return out
