"""What the page itself sends, read for release and environment, and its silence with the DSN removed.

One visit (`visit`) is what a user does: open ``/errors``, throw an error, follow the router link to
``/login``, and leave (the page's flush hook, then the tab closes). With a DSN the page sends the error,
a session (release health) and whatever its rates sample; every one of them must carry the release and
environment the server injected. Without a browser DSN the same visit must leave nothing at all in the
browser project, beside two controls: the page really threw (Chromium saw the error) and the same visit
to a target with the DSN did send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.production import checks
from harness.results import CheckResult, Verdict
from harness.targets.target import Target

__all__ = [
    "Visit",
    "probe_page_development_silent",
    "probe_page_dsn_removed",
    "probe_page_identity",
    "probe_page_init_options",
    "visit",
]

_READY = "window.__gate !== undefined"


@dataclass(frozen=True, slots=True)
class Visit:
    marker: str
    thrown: bool
    """Chromium reported the page's error, uncaught or logged (the visit really ran its fault)."""
    flushed: bool
    sentry_enabled: bool


def visit(target: Target, browser: Any) -> Visit:
    from harness.production.drive import new_marker

    marker = new_marker("visit")
    errors: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        # Vue hands a click handler's error to its errorHandler, which logs it: a console error, not
        # an uncaught page error, whether Sentry is set up or not.
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{target.url}/errors?marker={marker}", wait_until="load")
        page.wait_for_function(_READY, timeout=60_000)
        enabled = bool(page.evaluate("() => window.__gate.enabled"))
        page.click("#throw")
        page.wait_for_function("() => document.querySelector('#errors-status')?.textContent === 'thrown'")
        page.click("a[href='/login']")
        page.wait_for_url("**/login")
        flushed = bool(page.evaluate("() => window.__gate.flush(10000)"))
    finally:
        context.close()
    return Visit(marker, any(marker in e for e in errors), flushed, enabled)


def probe_page_identity(
    target: Target, browser: Any, *, environment: str, release: str | None
) -> tuple[CheckResult, CheckResult]:
    """Environment and release on every item the page sent in one visit (events, transactions, sessions,
    replays); a session must be among them (release health)."""
    from harness.production.drive import wait_marked

    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    before = {i.id for i in project.items()}
    seen = visit(target, browser)
    # The flush hook answered before the tab closed, so what the visit sent is in; the error is awaited
    # only because the ingest commits in the background. (No session wait: a page without a release
    # sends none, which is what the release check reports.)
    wait_marked(project, seen.marker, timeout=20)
    items = [i for i in project.items() if i.id not in before]
    env = checks.environment_on_items("production.config.browser-environment", items, environment)
    rel = checks.release_on_items("production.release.browser-every-item", items, release or "")
    return env, rel


def probe_page_dsn_removed(target: Target, control: Target, browser: Any) -> CheckResult:
    """``target`` started without a browser DSN, ``control`` the same build with one: the same visit to
    each; nothing at all may reach ``target``'s browser project, while the control's must receive."""
    return _page_silent(
        "production.rollback.browser-dsn-removed", target, control, browser, "with the browser DSN removed"
    )


def probe_page_development_silent(target: Target, control: Target, browser: Any, *, environment: str) -> CheckResult:
    """``target`` started in a silent environment (``development`` without its opt-in, or ``test``),
    ``control`` the same build where the page sends (the opt-in, else the primary environment): the same
    visit to each; the silent page may send nothing at all, the control's must arrive."""
    return _page_silent("production.config.browser-development-silent", target, control, browser, f"in {environment}")


def _page_silent(check_id: str, target: Target, control: Target, browser: Any, where: str) -> CheckResult:
    from collections import Counter

    from harness.production.drive import wait_marked

    project, control_project = target.browser_project, control.browser_project
    if project is None or control_project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    quiet = visit(target, browser)
    sent = visit(control, browser)
    control_items = wait_marked(control_project, sent.marker, timeout=20)
    items = project.items()
    kinds = Counter(i.type for i in items)
    evidence = {
        "items": dict(kinds),
        "thrown": quiet.thrown,
        "sentry_enabled": quiet.sentry_enabled,
        "control_items": len(control_items),
    }
    if items:
        summary = f"{len(items)} items ({dict(kinds)}) sent by the page {where}"
        return CheckResult(check_id, Verdict.FAIL, summary, evidence)
    if not quiet.thrown or not control_items:
        summary = (
            f"nothing sent, but a control failed: page error seen {quiet.thrown},"
            f" control visit's error arrived {len(control_items)}"
        )
        return CheckResult(check_id, Verdict.INCONCLUSIVE, summary, evidence)
    summary = (
        f"0 items from the page {where}; the page threw, and the same visit to a page that sends"
        f" sent its error ({len(control_items)})"
    )
    return CheckResult(check_id, Verdict.PASS, summary, evidence)


def probe_page_init_options(
    target: Target, browser: Any, *, max_breadcrumbs: int | None, attach_stacktrace: bool | None
) -> list[CheckResult]:
    """The page's ``maxBreadcrumbs`` and ``attachStacktrace`` as its SDK applies them, from one message:
    twice the limit and 20 more breadcrumbs through the page hook, then a ``captureMessage`` (the one
    path ``attachStacktrace`` changes) read at the ingest. A check whose promise is not stated is left
    out."""
    from harness.production.drive import new_marker, wait_marked

    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    marker = new_marker("pageopts")
    added = 2 * (max_breadcrumbs or 50) + 20  # beyond the limit, and beyond a doubled one
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(target.url + "/", wait_until="load")
        page.wait_for_function(_READY, timeout=60_000)
        page.evaluate(
            """([n, marker]) => {
              window.__gate.breadcrumbs(n, marker);
              window.__gate.message(`gate page options ${marker}`, { 'gate.marker': marker });
              return window.__gate.flush(10000);
            }""",
            [added, marker],
        )
    finally:
        context.close()
    found = wait_marked(project, marker, timeout=20)
    event = found[0].json() if found else None
    out = []
    if max_breadcrumbs is not None:
        out.append(checks.max_breadcrumbs("production.config.browser-max-breadcrumbs", event, max_breadcrumbs, added))
    if attach_stacktrace is not None:
        out.append(checks.attach_stacktrace("production.config.browser-attach-stacktrace", event, attach_stacktrace))
    return out
