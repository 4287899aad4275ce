"""The page's own filters (``beforeSend``, ``beforeSendTransaction``) exercised in Debian's Chromium.

Each filter check sends events for real through the page's SDK (``window.__gate.capture``, the SDK's
``captureEvent``): events the filter must drop (extension frames, development noise, transactions under
10 ms, health/metrics transactions) beside a comparable one it must keep. The kept one must arrive, the
dropped ones must not, and the SDK's client report (sent when the page closes) must count each drop with
reason ``before_send``. Chromium is the one launcher's (`harness.common.browser`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from playwright.async_api import Page as AsyncPage

from harness.common.browser import chromium, in_fresh_pages
from harness.ingest.wait import wait_until
from harness.results import CheckResult, Verdict
from harness.targets.target import Target

__all__ = ["FILTER_CASES", "judge_filter_case", "probe_page_filters"]


def _error(value: str, filename: str = "http://127.0.0.1/assets/index.js") -> dict[str, Any]:
    frames = [{"filename": filename, "function": "gateProbe", "lineno": 1, "colno": 1, "in_app": True}]
    return {"exception": {"values": [{"type": "Error", "value": value, "stacktrace": {"frames": frames}}]}}


def _transaction(name: str, seconds: float) -> dict[str, Any]:
    return {"type": "transaction", "transaction": name, "start_timestamp": 1000.0, "timestamp": 1000.0 + seconds}


# The reasons a client report gives a filtered event: the page's hooks (``before_send``), and the SDK's
# own inbound filters (``event_processor``: its default ignoreErrors already drop the ResizeObserver
# loop message before beforeSend sees it).
FILTER_REASONS = ("before_send", "event_processor")

# check id → (environments it applies to, hook, events to drop, a comparable event to keep)
FILTER_CASES: dict[str, tuple[tuple[str, ...], str, list[dict[str, Any]], dict[str, Any]]] = {
    "production.filters.extension-frames": (
        ("production",),
        "beforeSend",
        [
            _error("gate probe chrome", "chrome-extension://abcdefghijklmnop/content.js"),
            _error("gate probe firefox", "moz-extension://0123-4567/content.js"),
        ],
        _error("gate probe real error"),
    ),
    "production.filters.dev-noise": (
        ("development",),
        "beforeSend",
        [
            _error("[HMR] update failed"),
            _error("hot reload failed"),
            _error("[vite] failed to connect to websocket"),
            _error("ResizeObserver loop completed with undelivered notifications."),
        ],
        _error("gate probe real error"),
    ),
    "production.filters.short-transactions": (
        ("production", "staging", "development"),
        "beforeSendTransaction",
        [_transaction("/search", 0.004), _transaction("/login", 0.0099)],
        _transaction("/search", 0.25),
    ),
    "production.filters.browser-health-transactions": (
        ("production", "staging", "development"),
        "beforeSendTransaction",
        [_transaction("/monitoring/health", 0.2), _transaction("GET /monitoring/metrics", 0.2)],
        _transaction("/search?probe=health", 0.2),
    ),
}

# Each event goes through ``window.__gate.capture`` (the SDK's captureEvent: the page's own hooks, the
# client reports and the transport), tagged with the case's marker and its index (names may be scrubbed
# on the way); a transaction is moved to now.
_SEND = """async ([marker, events]) => {
  const now = Date.now() / 1000;
  for (const [i, e] of events.entries()) {
    const event = structuredClone(e);
    event.tags = { ...(event.tags ?? {}), 'gate.marker': marker, 'gate.case': String(i) };
    if (event.type === 'transaction') {
      event.timestamp = now - 1 + (event.timestamp - event.start_timestamp);
      event.start_timestamp = now - 1;
    }
    window.__gate.capture(event);
  }
  return window.__gate.flush(10000);
}"""


def probe_page_filters(
    target: Target, environment: str, browser: Any = None, *, only: Iterable[str] | None = None
) -> list[CheckResult]:
    """Every filter case that applies to ``environment`` (or those of them named in ``only``), each in a
    page of its own: the events sent for real through the page's SDK, the page closed (which sends its
    client report), then the ingest read."""
    if browser is None:
        with chromium() as own:
            return probe_page_filters(target, environment, own, only=only)
    wanted = set(FILTER_CASES if only is None else only)
    return [
        _send_case(target, browser, check_id, hook=hook, drop=drop, keep=keep)
        for check_id, (environments, hook, drop, keep) in FILTER_CASES.items()
        if environment in environments and check_id in wanted
    ]


def _send_case(
    target: Target, browser: Any, check_id: str, *, hook: str, drop: list[dict[str, Any]], keep: dict[str, Any]
) -> CheckResult:
    from harness.production.drive import new_marker, wait_marked
    from harness.production.items import discarded, tags_of

    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    kind = "transaction" if hook == "beforeSendTransaction" else "event"
    category = "transaction" if kind == "transaction" else "error"
    marker = new_marker("pfilter")
    reports_before = {i.id for i in project.items(type="client_report")}
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(target.url + "/", wait_until="load")
        page.wait_for_function(_PAGE_READY, timeout=60_000)
        page.evaluate(_SEND, [marker, [*drop, keep]])
        # The user leaves: the document turns hidden and the SDK sends its client report (it sends them on
        # visibilitychange only). The context stays open until the report is in: closing it at once can
        # tear the request down with the browser context's network.
        page.goto("about:blank")
        arrived = wait_marked(project, marker, type=kind, timeout=20)
        cases = {tags_of(i.json()).get("gate.case") for i in arrived}  # names may be scrubbed on the way
        answers: list[str | None] = ["kept" if str(n) in cases else None for n in range(len(drop) + 1)]
        dropped = answers[:-1].count(None)

        def reported_now() -> dict[str, int]:
            reports = [i for i in project.items(type="client_report") if i.id not in reports_before]
            counts = discarded(reports, category)
            return {reason: q for (reason, _), q in counts.items() if reason in FILTER_REASONS}

        reported = _wait_reported(project, reported_now, dropped)
    finally:
        context.close()
    return judge_filter_case(check_id, hook=hook, drop=drop, keep=keep, answers=answers, reported=reported)


def _wait_reported(
    project: Any, reported_now: Callable[[], dict[str, int]], dropped: int, timeout: float = 20.0
) -> dict[str, int]:
    """Long-poll the ingest for client reports until they count ``dropped`` discards or the deadline (a
    page may split its outcomes over more than one report)."""
    wait_until(project, lambda _: sum(reported_now().values()) >= dropped, type="client_report", timeout=timeout)
    return reported_now()


def judge_filter_case(
    check_id: str,
    *,
    hook: str,
    drop: list[dict[str, Any]],
    keep: dict[str, Any],
    answers: list[str | None],
    reported: dict[str, int] | None = None,
) -> CheckResult:
    """One filter case's verdict. ``answers``: per event of ``[*drop, keep]``, "kept" or None; ``reported``:
    the client reports' filter discards by reason (None when the hooks were called directly, not sent)."""
    kept = [_describe(e) for e, a in zip(drop, answers[:-1], strict=True) if a is not None]
    control = answers[-1] is not None
    dropped = len(drop) - len(kept)
    evidence = {"hook": hook, "dropped": dropped, "kept": kept, "control_kept": control, "reported": reported}
    if kept:
        return CheckResult(check_id, Verdict.FAIL, f"{hook} kept {len(kept)} of {len(drop)}: {kept}", evidence)
    if not control:
        summary = f"{hook} also dropped the comparable {_describe(keep)} (over-filtering)"
        return CheckResult(check_id, Verdict.FAIL, summary, evidence)
    if reported is not None and sum(reported.values()) < dropped:
        summary = f"{hook} dropped {dropped} but client reports show {sum(reported.values())} discards {reported}"
        return CheckResult(check_id, Verdict.FAIL, summary, evidence)
    summary = f"{hook} dropped {len(drop)} of {len(drop)} and kept {_describe(keep)}"
    if reported is not None:
        summary += f"; client reports: {reported}"
    return CheckResult(check_id, Verdict.PASS, summary, evidence)


def _describe(event: dict[str, Any]) -> str:
    if event.get("type") == "transaction":
        ms = (event["timestamp"] - event["start_timestamp"]) * 1000
        return f"transaction {event['transaction']!r} of {ms:.1f} ms"
    value = event["exception"]["values"][0]
    return f"error {value['value']!r} from {value['stacktrace']['frames'][0]['filename']}"


_PAGE_READY = "window.__gate !== undefined"


async def _page_loads(url: str, pages: int, concurrency: int) -> int:
    """``pages`` fresh contexts, each: load ``/``, follow the router link to ``/login`` (ending the pageload
    trace and starting a navigation trace), then the link to ``/media`` (ending the ``/login`` navigation, so
    it is sent now rather than when the page idles or hides), then the page's flush hook. The ``/media``
    navigation is not counted. Returns the pages that flushed."""

    async def visit(page: AsyncPage, _: int) -> bool:
        await page.goto(url + "/", wait_until="load")
        await page.wait_for_function(_PAGE_READY, timeout=60_000)
        await page.click("a[href='/login']")
        await page.wait_for_url("**/login")
        await page.click("a[href='/media']")
        await page.wait_for_url("**/media")
        return bool(await page.evaluate("() => window.__gate.flush(5000)"))

    return sum(await in_fresh_pages(pages, concurrency, visit))


def probe_browser_traces(
    target: Target,
    *,
    traces: int,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
    concurrency: int = 4,
) -> tuple[CheckResult, CheckResult]:
    """Root traces of real page loads (a pageload and a navigation per page, each sampled on its own)
    over those started; and the ``sample_rate`` each declares."""
    from harness.production import checks
    from harness.production.drive import run_async
    from harness.production.items import root_traces
    from harness.stats import decide_rate

    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    before = {i.id for i in project.items(type="transaction")}
    pages = (traces + 1) // 2
    flushed = run_async(_page_loads(target.url, pages, concurrency))
    items = [i for i in project.items(type="transaction") if i.id not in before]
    roots = {k: r for k, r in root_traces(items).items() if r.name in ("home", "login", "/", "/login")}
    n = 2 * flushed
    decision = decide_rate(min(len(roots), n), n, expected, tolerance, level=level)
    rate = CheckResult(
        "production.sampling.browser-traces-rate",
        decision.verdict,
        decision.summary(f"browser traces sample rate in {environment}"),
        {**decision.evidence, "pages": pages, "flushed_pages": flushed},
    )
    declared = checks.declared_rate("production.sampling.browser-declared-rate", roots, expected, environment)
    return rate, declared


# expectation field → the key of ``window.__gate.options`` (what the page passed to ``Sentry.init``)
BROWSER_OPTIONS = {
    "browser_traces_sample_rate": "tracesSampleRate",
    "replays_session_sample_rate": "replaysSessionSampleRate",
    "replays_on_error_sample_rate": "replaysOnErrorSampleRate",
}


def _same_rate(value: Any, want: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(float(value) - want) <= 1e-9


def probe_page_options(target: Target, expected: dict[str, float | None], browser: Any = None) -> CheckResult:
    """The rates the page passed to ``Sentry.init`` (``window.__gate.options``) against the target file's promises.

    A configuration check, not a measurement: it reads every environment's browser rates in one page
    load, where measuring each by page loads would not fit the time budget (the measured browser traces
    rate is `probe_browser_traces`)."""
    if browser is None:
        with chromium() as own:
            return probe_page_options(target, expected, own)
    page = browser.new_page()
    try:
        page.goto(target.url + "/", wait_until="load")
        page.wait_for_function(_PAGE_READY, timeout=60_000)
        options: dict[str, Any] = page.evaluate("() => window.__gate.options")
    finally:
        page.close()
    seen = {field: options.get(key) for field, key in BROWSER_OPTIONS.items()}
    wrong = {
        field: f"{seen.get(field)} (expected {want})"
        for field, want in expected.items()
        if want is not None and not _same_rate(seen.get(field), want)
    }
    evidence = {"seen": seen, "expected": expected}
    if wrong:
        return CheckResult("production.config.browser-rates", Verdict.FAIL, f"page options {wrong}", evidence)
    return CheckResult("production.config.browser-rates", Verdict.PASS, f"page options {seen} as expected", evidence)


_REJECT_BATCH = """async ([markers]) => {
  for (const m of markers) Promise.reject(new Error('gate browser delivery ' + m));
  return window.__gate.flush(10000);
}"""


def probe_browser_delivery(target: Target, *, errors: int, batch: int = 5, browser: Any = None) -> CheckResult:
    """``errors`` unique unhandled rejections in one page, ``batch`` at a time with the page's flush hook
    between batches; then the page is closed, which sends its client report. Received is counted by
    marker, the rest by client-report reason.

    Bursts of 5, not 1: one at a time, the default transport's losses to Chromium's keepalive quota
    depend on how fast Chromium frees its books, and on a loaded CI machine it lost none of 200; in
    bursts of 5 it lost 120-144 of 200 in six runs, idle or with four busy loops beside it, while the
    hardened transport lost none (docs/production.md, "Findings")."""
    from harness.production import checks
    from harness.production.drive import new_marker
    from harness.production.items import discarded, messages_of

    if browser is None:
        with chromium() as own:
            return probe_browser_delivery(target, errors=errors, batch=batch, browser=own)
    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    run = new_marker("bdelivery")
    markers = [f"{run}-{i:05d}" for i in range(errors)]
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(target.url + "/", wait_until="load")
        page.wait_for_function(_PAGE_READY, timeout=60_000)
        for start in range(0, errors, batch):
            page.evaluate(_REJECT_BATCH, [markers[start : start + batch]])
    finally:
        context.close()
    items = project.items()
    wanted = set(markers)
    received = set()
    for item in items:
        if item.type != "event":
            continue
        text = messages_of(item.json())
        found = text.rsplit(" ", 1)[-1] if "gate browser delivery" in text else ""
        if found in wanted:
            received.add(found)
    accounted = {reason: q for (reason, _), q in discarded(items, "error").items() if reason != "before_send"}
    result = checks.delivery(
        "production.delivery.browser-errors", injected=errors, received=len(received), accounted=accounted
    )
    print(
        f"browser delivery {target.name}: injected {errors}, received {len(received)},"
        f" accounted-by-reason {accounted}, unaccounted {result.evidence['unaccounted']}"
    )
    return result


def probe_browser_kill_switch(target: Target, browser: Any = None, *, pages: int = 5) -> CheckResult:
    """Target started with the browser rate overrides at 0: ``pages`` page loads with a navigation each
    and a thrown error on the last, each followed by the flush hook. No transaction, span or replay may
    arrive in the browser project (replay-on-error may, it is not a sampled-session replay: checked by
    its ``replay_type``); the thrown error is the positive control."""
    from collections import Counter

    from harness.production.drive import new_marker

    if browser is None:
        with chromium() as own:
            return probe_browser_kill_switch(target, own, pages=pages)
    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    marker = new_marker("bkill")
    for i in range(pages):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{target.url}/errors?marker={marker}", wait_until="load")
            page.wait_for_function(_PAGE_READY, timeout=60_000)
            page.click("a[href='/login']")
            page.wait_for_url("**/login")
            if i == pages - 1:
                page.goto(f"{target.url}/errors?marker={marker}", wait_until="load")
                page.wait_for_function(_PAGE_READY, timeout=60_000)
                page.click("#throw")
                project.wait_for_items(type="event", count=1, timeout=20)
            page.evaluate("() => window.__gate.flush(5000)")
        finally:
            context.close()
    items = project.items()
    traced = Counter(i.type for i in items if i.type in ("transaction", "span"))
    session_replays = 0
    for item in items:
        if item.type == "replay_event" and (item.json() or {}).get("replay_type") == "session":
            session_replays += 1
    if session_replays:
        traced["replay_event (session)"] = session_replays
    errors = sum(1 for i in items if i.type == "event")
    evidence = {"traced": dict(traced), "control_errors": errors, "pages": pages}
    check_id = "production.rollback.browser-kill-switch"
    if traced:
        summary = f"{sum(traced.values())} traced items ({dict(traced)}) sent by the page with every rate override at 0"
        return CheckResult(check_id, Verdict.FAIL, summary, evidence)
    if errors < 1:
        return CheckResult(
            check_id, Verdict.INCONCLUSIVE, "nothing traced, but the control error did not arrive", evidence
        )
    summary = f"0 transactions, spans or session replays from {pages} pages; {errors} control error(s) arrived"
    return CheckResult(check_id, Verdict.PASS, summary, evidence)
