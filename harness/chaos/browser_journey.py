"""The browser journey with Sentry down (check ``chaos.browser.journey``), in Debian's Chromium.

The page's DSN goes through the rig's Sentry proxy (``browser_through_proxy``); with the proxy
disabled every send is refused. The journey (home → search → results → a track page) must work, and
no SDK error may surface to the page: no ``pageerror`` (uncaught exception or unhandled rejection)
and no console error logged by the SDK. The browser's own network lines for the refused sends
("Failed to load resource … ERR_CONNECTION_REFUSED") are counted and shown but are not page errors:
the page's code never sees them. Positive control: the SDK did try to send (failed requests to the
DSN's host ≥ 1), so the journey met the outage. `judge_journey` is pure; `run_journey` drives the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.results import CheckResult, Verdict

__all__ = ["JOURNEY", "JourneyRecord", "judge_journey", "run_journey"]

JOURNEY = "chaos.browser.journey"

STEP_TIMEOUT_MS = 10_000
SEARCH = "signal"
"""A word in the fake Spotify's catalogue, so the search has results and the journey a track to open."""
_PAGE_READY = "window.__gate !== undefined"
# What the app itself does when something goes wrong: capture an error through the SDK's whole pipeline.
_CAPTURE = """(marker) => {
  window.__gate.capture({ message: `journey ${marker}`, level: 'error', tags: { 'gate.marker': marker } });
  return window.__gate.flush(3000).then((ok) => String(ok), (e) => `flush rejected: ${e}`);
}"""
_NETWORK_LINE = ("Failed to load resource", "net::ERR_")


@dataclass
class JourneyRecord:
    """What one journey saw: each step's outcome, the page's errors and the SDK's failed sends."""

    steps: list[tuple[str, bool, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_sends: int = 0
    sends: int = 0

    def console(self, kind: str, text: str) -> None:
        if kind == "error":
            self.console_errors.append(text[:300])

    def step(self, name: str, ok: bool, detail: str = "") -> None:
        self.steps.append((name, ok, detail))


def judge_journey(fault: str, record: JourneyRecord) -> CheckResult:
    sdk_console = [c for c in record.console_errors if not any(n in c for n in _NETWORK_LINE)]
    network_lines = len(record.console_errors) - len(sdk_console)
    broken = [f"{name}: {detail}" for name, ok, detail in record.steps if not ok]
    evidence = {
        "fault": fault,
        "steps": [{"step": n, "ok": ok, "detail": d} for n, ok, d in record.steps],
        "page_errors": record.page_errors[:10],
        "sdk_console_errors": sdk_console[:10],
        "network_console_lines": network_lines,
        "sends_attempted": record.sends,
        "sends_failed": record.failed_sends,
    }
    figures = (
        f"{len(record.steps) - len(broken)}/{len(record.steps)} steps worked, {len(record.page_errors)} page errors, "
        f"{len(sdk_console)} SDK console errors, {record.failed_sends} of {record.sends} sends to Sentry failed"
    )
    problems = []
    if broken:
        problems.append(f"journey broken at {broken[0]}")
    if record.page_errors:
        problems.append(f"page error: {record.page_errors[0]}")
    if sdk_console:
        problems.append(f"console error: {sdk_console[0]}")
    if problems:
        return CheckResult(JOURNEY, Verdict.FAIL, f"{fault}: {figures}; " + "; ".join(problems), evidence)
    if record.failed_sends == 0:
        return CheckResult(
            JOURNEY,
            Verdict.INCONCLUSIVE,
            f"{fault}: {figures}: the SDK never met the outage (no failed send)",
            evidence,
        )
    return CheckResult(JOURNEY, Verdict.PASS, f"{fault}: {figures}", evidence)


def run_journey(browser: Any, url: str, sentry_hosts: Sequence[str], marker: str) -> JourneyRecord:
    """Home → search (``SEARCH``) → results → first track, then an error captured by the app; one fresh context."""
    record = JourneyRecord()

    def to_sentry(request_url: str) -> bool:
        return any(host in request_url for host in sentry_hosts)

    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: record.page_errors.append(str(exc)[:300]))
        page.on("console", lambda msg: record.console(msg.type, msg.text))
        page.on("request", lambda req: setattr(record, "sends", record.sends + to_sentry(req.url)))
        page.on("requestfailed", lambda req: setattr(record, "failed_sends", record.failed_sends + to_sentry(req.url)))
        _step(record, "home loads", lambda: page.goto(url + "/", wait_until="load") and True)
        _step(record, "SDK set up", lambda: page.wait_for_function(_PAGE_READY, timeout=STEP_TIMEOUT_MS) and True)
        _step(record, "search page", lambda: page.goto(url + "/search", wait_until="load") and True)

        def search() -> str:
            page.fill("#search-q", SEARCH)
            page.click("#search-submit")
            page.wait_for_function(
                "/\\d+ results|failed/.test(document.querySelector('#search-status')?.textContent ?? '')",
                timeout=STEP_TIMEOUT_MS,
            )
            return page.text_content("#search-status") or ""

        _step(record, "search answers", search, expect="results")
        _step(record, "track page", lambda: _open_first_track(page))
        _step(record, "app captures an error", lambda: str(page.evaluate(_CAPTURE, marker)), expect="")
    finally:
        context.close()
    return record


def _open_first_track(page: Any) -> str:
    page.click("#search-results a")
    page.wait_for_url("**/tracks/**", timeout=STEP_TIMEOUT_MS)
    return str(page.url)


def _step(record: JourneyRecord, name: str, action: Any, expect: str | None = None) -> None:
    try:
        out = action()
    except Exception as exc:  # a broken step is the finding; the journey stops being meaningful after it
        record.step(name, False, f"{type(exc).__name__}: {str(exc)[:200]}")
        return
    text = "" if out is True else str(out)
    ok = expect is None or expect in text
    record.step(name, ok, text[:200])
