"""Browser production probes on an app known only by its target file: no ``window.__gate`` hook, no gate route.

The page is reached the way a user reaches it: the file's ``[journey]`` (`harness.targets.journey`) and its
``error_steps`` (a known bug of the page that its own SDK reports). What the gate adds is only what a
browser can do to any page: ``page.evaluate`` raising errors through the page's global handlers (Sentry's
``onerror``/``onunhandledrejection`` integrations report them: no hook needed), ``console.log`` lines (the
SDK's console breadcrumbs), and navigating away (the SDK ends its open spans, flushes Replay and sends its
client report when the document turns hidden).

**Telling a probe's items apart.** A page whose DSN is built in sends every test's traffic to one browser
project, side by side with other workers'. Each probe's browser context gets a ``User-Agent`` ending in
``sentry-gate/<marker>``: the browser SDK copies the user agent into every event's and transaction's
``request.headers`` and every session's ``attrs``, so `carries` finds a probe's own items without a tag or a
hook. Client reports carry no user agent, so they are not attributed (delivery reads them only for the
reasons of a loss, never to make up for one).

**Absence.** A kill switch or a filter is judged with the hook-free handshake of
`harness.production.absence`: the journey's own error (or a comparable control error) is the sentinel,
the page is left (spans ended, Replay flushed), and the probe's items must stay quiet for the settle window
(`await_marked_quiet`) before the absence counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from harness.ingest.wait import wait_until
from harness.production import checks
from harness.production.absence import DEFAULT_SETTLE_S, carries
from harness.production.items import discarded, messages_of, root_traces
from harness.production.replay import replay_rates, replay_types
from harness.results import CheckResult, Verdict
from harness.stats import decide_rate
from harness.targets.journey import first_path, page_url, run_journey, run_steps, run_steps_async

if TYPE_CHECKING:
    from harness.ingest import ProjectHandle, StoredItem
    from harness.targetfile.model import Journey
    from harness.targets.target import Target

__all__ = [
    "ARRIVAL_TIMEOUT_S",
    "NOISE",
    "PageJourney",
    "await_marked_quiet",
    "marked_user_agent",
    "probe_page_attach_stacktrace",
    "probe_page_breadcrumbs",
    "probe_page_delivery",
    "probe_page_filters",
    "probe_page_identity",
    "probe_page_kill_switch",
    "probe_page_rates",
    "probe_page_replays",
    "probe_page_traces",
]

ARRIVAL_TIMEOUT_S: Final = 30.0
"""How long a page's error may take to be stored before the probe judges without it (UNPROVEN)."""
USER_AGENT: Final = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome"
REPLAY_MIN_AGE_MS: Final = 5200
"""Replay sends nothing younger than its minReplayDuration (4,999 ms), so a session is held past it."""
_REPLAY_SESSION = "JSON.parse(sessionStorage.getItem('sentryReplaySession') || 'null')"
"""Replay's own sticky session (the SDK keeps its id, start and sampling decision in sessionStorage)."""


MARK_PARAMETER: Final = "sentry-gate"


def mark(marker: str) -> dict[str, str]:
    """The query a probe adds to the pages it opens: the SDK reports the page's URL in every event and
    transaction, including those it sends while the page unloads (when the user agent it reports is
    Chromium's default again: measured, so the user agent alone would lose them)."""
    return {MARK_PARAMETER: marker}


def marked_user_agent(marker: str) -> str:
    """A Chromium user agent ending in ``sentry-gate/<marker>``: the SDK copies it into what it sends."""
    return f"{USER_AGENT} sentry-gate/{marker}"


def _new_marker() -> str:
    from harness.production.absence import sentinel_marker

    return sentinel_marker()


@dataclass(frozen=True, slots=True)
class PageJourney:
    """What a probe needs of the target file's ``[journey]``: the journey itself, the folder its function
    is loaded from, and the path a visit lands on (its first ``goto``, else ``/``)."""

    journey: Journey
    root: Path

    @property
    def landing(self) -> str:
        return first_path(self.journey.steps) or "/"


def _project(target: Target) -> ProjectHandle:
    if target.browser_project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    return target.browser_project


def await_marked_quiet(
    project: ProjectHandle, marker: str, *, settle: float = DEFAULT_SETTLE_S, timeout: float = ARRIVAL_TIMEOUT_S
) -> tuple[list[StoredItem], bool]:
    """The items carrying ``marker`` once none new has been stored for ``settle`` seconds, and whether that
    quiet came before ``timeout``. Other workers' items on the same project wake the long-poll but do not
    restart the window: only this probe's own items do."""
    deadline = time.monotonic() + timeout
    mine = [i for i in project.items(include_refused=True) if carries(i, marker)]
    last_new = time.monotonic()
    while True:
        now = time.monotonic()
        if now - last_new >= settle:
            return mine, True
        if now >= deadline:
            return mine, False
        total = len(project.items())
        with contextlib.suppress(TimeoutError):
            project.wait_for_items(None, count=total + 1, timeout=min(settle - (now - last_new), deadline - now))
        again = [i for i in project.items(include_refused=True) if carries(i, marker)]
        if len(again) > len(mine):
            last_new = time.monotonic()
        mine = again


def _wait_event(project: ProjectHandle, marker: str, timeout: float = ARRIVAL_TIMEOUT_S) -> list[StoredItem]:
    """This probe's events, as soon as one is stored (or what is there at the deadline)."""
    items = wait_until(project, lambda now: any(carries(i, marker) for i in now), type="event", timeout=timeout)
    return [i for i in items if carries(i, marker)]


def _leave(page: Any) -> None:
    """The user leaves: the document turns hidden, and the SDK ends its spans, flushes Replay and sends its
    client report (keepalive requests that outlive the document, not the context: close it afterwards)."""
    page.goto("about:blank")


def _visit(
    browser: Any,
    target: Target,
    journey: PageJourney,
    marker: str,
    *,
    before_error: str | None = None,
    await_error: bool = True,
) -> tuple[list[StoredItem], bool]:
    """One user's visit in a fresh context: the journey, ``before_error`` evaluated in the page, the error
    steps (their error awaited unless ``await_error`` is off: a page that must stay silent sends none),
    then leaving; the context stays open until the probe's own items went quiet. Those items, and
    whether the quiet came (`await_marked_quiet`)."""
    context = browser.new_context(user_agent=marked_user_agent(marker))
    try:
        page = context.new_page()
        run_journey(page, target.url, journey.journey, root=journey.root, query=mark(marker))
        if before_error is not None:
            page.evaluate(before_error)
        run_steps(page, target.url, journey.journey.error_steps, query=mark(marker))
        if await_error:
            _wait_event(_project(target), marker)
        _leave(page)
        return await_marked_quiet(_project(target), marker)
    finally:
        context.close()


# ---- identity -------------------------------------------------------------------------------------
def probe_page_identity(
    target: Target, browser: Any, journey: PageJourney, *, environment: str, release: str | None
) -> tuple[CheckResult, CheckResult]:
    """Environment and release on every item the page sent during the journey and its error steps
    (events, transactions, sessions, replays)."""
    items, _ = _visit(browser, target, journey, _new_marker())
    env = checks.environment_on_items("production.config.browser-environment", items, environment)
    rel = checks.release_on_items("production.release.browser-every-item", items, release or "", release_health=False)
    return env, rel


# ---- traces rate ----------------------------------------------------------------------------------
def probe_page_traces(
    target: Target,
    journey: PageJourney,
    *,
    pages: int,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
    concurrency: int = 8,
) -> tuple[CheckResult, CheckResult]:
    """``pages`` fresh page loads of the journey's landing page, each its own trace: the pageload
    transactions that arrived over the pages loaded (the measured browser traces rate), and the
    ``sample_rate`` each declares in its trace header."""
    from harness.production.drive import run_async

    project = _project(target)
    run = _new_marker()
    markers = [f"{run}-{i:04d}" for i in range(pages)]

    async def measure() -> tuple[list[bool], list[StoredItem]]:
        from harness.common.browser import async_chromium

        async with async_chromium() as browser:
            gate = asyncio.Semaphore(concurrency)
            contexts: list[Any] = []

            async def one(marker: str) -> bool:
                async with gate:
                    context = await browser.new_context(user_agent=marked_user_agent(marker))
                    contexts.append(context)
                    page = await context.new_page()
                    try:
                        url = page_url(target.url, journey.landing, mark(marker))
                        await page.goto(url, wait_until="load", timeout=30_000)
                        # Its own requests done (leaving earlier cancels them: the page reports that).
                        await page.wait_for_load_state("networkidle", timeout=30_000)
                    except Exception:  # a page that never loaded is no sample
                        return False
                    await page.goto("about:blank")
                    return True

            loaded = list(await asyncio.gather(*(one(m) for m in markers)))
            # The contexts stay open while the pages' last requests land: the ingest decides when.
            items, _ = await asyncio.to_thread(await_marked_quiet, project, run)
            for context in contexts:
                await context.close()
        return loaded, items

    loaded, items = run_async(measure())
    pageloads = [i for i in items if i.type == "transaction" and _op(i) == "pageload"]
    sampled_pages = {m for m, ok in zip(markers, loaded, strict=True) if ok and any(carries(i, m) for i in pageloads)}
    n = sum(loaded)
    decision = decide_rate(len(sampled_pages), n, expected, tolerance, level=level)
    rate = CheckResult(
        "production.sampling.browser-traces-rate",
        decision.verdict,
        decision.summary(f"browser traces sample rate in {environment} (pageloads of {journey.landing})"),
        {**decision.evidence, "pages": pages, "loaded": n},
    )
    roots = root_traces(pageloads)
    declared = checks.declared_rate("production.sampling.browser-declared-rate", roots, expected, environment)
    return rate, declared


def _op(item: StoredItem) -> str:
    try:
        return str(((item.json().get("contexts") or {}).get("trace") or {}).get("op") or "")
    except (ValueError, AttributeError):
        return ""


# ---- replay rates ---------------------------------------------------------------------------------
def probe_page_replays(
    target: Target,
    journey: PageJourney,
    *,
    sessions: int,
    session_rate: float,
    on_error_rate: float,
    tolerance: float,
    level: float,
    environment: str,
    traces_rate: float | None = None,
    concurrency: int = 12,
) -> tuple[CheckResult, CheckResult, CheckResult]:
    """``sessions`` short sessions side by side: the journey, held until Replay's session is past its
    minimum age (read from Replay's own sessionStorage entry), then the error steps (which turn a buffered
    replay into one that is sent), then held until this session's replay arrived or the deadline. The
    rates are what arrived (`harness.production.replay.replay_rates`), never what the page configured;
    what it configured (`probe_page_rates`, with ``traces_rate`` the promised traces rate) is read from
    the same sessions."""
    from harness.common.browser import async_chromium
    from harness.production.drive import run_async

    project = _project(target)
    run = _new_marker()
    hold_ms = max(REPLAY_MIN_AGE_MS, int(journey.journey.hold_s * 1000))

    def arrived(replay_id: str) -> bool:
        found = wait_until(
            project,
            lambda now: bool(replay_types(now, [replay_id])),
            type="replay_event",
            timeout=ARRIVAL_TIMEOUT_S / 2,
        )
        return bool(replay_types(found, [replay_id]))

    async def measure() -> list[str | None]:
        async with async_chromium() as browser:
            gate = asyncio.Semaphore(concurrency)

            async def one(i: int) -> str | None:
                marker = f"{run}-{i:04d}"
                async with gate:
                    context = await browser.new_context(user_agent=marked_user_agent(marker))
                    try:
                        page = await context.new_page()
                        if journey.journey.function is not None:
                            raise RuntimeError("replay sessions run the journey's steps (an async page)")
                        await run_steps_async(page, target.url, journey.journey.steps, query=mark(marker))
                        started = f"({_REPLAY_SESSION} || {{}}).started"
                        await page.wait_for_function(
                            f"() => {started} !== undefined && Date.now() - {started} >= {hold_ms}",
                            timeout=hold_ms + 30_000,
                            polling=250,
                        )
                        await run_steps_async(page, target.url, journey.journey.error_steps, query=mark(marker))
                        session = await page.evaluate(f"() => {_REPLAY_SESSION}")
                        replay_id = str(session["id"]) if isinstance(session, dict) and session.get("id") else None
                        if replay_id and session.get("sampled"):
                            # Recording (whole session, or a buffer the error turned into a replay): its
                            # replay is sent while the tab is open; the ingest says when it is in.
                            await asyncio.to_thread(arrived, replay_id)
                        return replay_id or ""
                    except Exception:  # a session that did not run is not counted
                        return None
                    finally:
                        await context.close()

            return list(await asyncio.gather(*(one(i) for i in range(sessions))))

    results = run_async(measure())
    ran = [r for r in results if r is not None]
    ids = [r for r in ran if r]
    types = replay_types(project.items(type="replay_event"), ids)
    session, on_error = replay_rates(
        types,
        len(ran),
        session_rate=session_rate,
        on_error_rate=on_error_rate,
        tolerance=tolerance,
        level=level,
        environment=environment,
    )
    promised = {
        "browser_traces_sample_rate": traces_rate,
        "replays_session_sample_rate": session_rate,
        "replays_on_error_sample_rate": on_error_rate,
    }
    return session, on_error, probe_page_rates(target, sorted(types), run, promised)


def probe_page_rates(
    target: Target, replay_ids: Sequence[str], marker: str, expected: dict[str, float | None]
) -> CheckResult:
    """The rates the page gave its SDK, as the SDK itself reports them (no hook): Replay's ``options``
    event at the start of every recording (``sessionSampleRate``, ``errorSampleRate``) and the
    ``sample_rate`` of the dynamic sampling context an error's envelope carries (the traces rate),
    against the file's promises (``production.config.browser-rates``)."""
    from harness.production.replay_journey import replay_events

    project = _project(target)
    seen: dict[str, float | None] = dict.fromkeys(expected)
    for replay_id in replay_ids:
        for event in replay_events(project, replay_id):
            data = event.get("data") if isinstance(event, dict) else None
            if isinstance(data, dict) and data.get("tag") == "options" and isinstance(data.get("payload"), dict):
                options = data["payload"]
                seen["replays_session_sample_rate"] = _number(options.get("sessionSampleRate"))
                seen["replays_on_error_sample_rate"] = _number(options.get("errorSampleRate"))
                break
        if seen.get("replays_session_sample_rate") is not None:
            break
    for item in project.items(type="event"):
        trace = item.envelope_headers.get("trace")
        if isinstance(trace, dict) and trace.get("sample_rate") is not None and carries(item, marker):
            seen["browser_traces_sample_rate"] = _number(trace.get("sample_rate"))
            break
    wanted = {k: v for k, v in expected.items() if v is not None}
    unread = [k for k in wanted if seen.get(k) is None]
    wrong = {
        k: f"{found} (expected {v})"
        for k, v in wanted.items()
        if (found := seen.get(k)) is not None and abs(found - v) > 1e-9
    }
    evidence = {"seen": seen, "expected": expected}
    check_id = "production.config.browser-rates"
    if wrong:
        return CheckResult(check_id, Verdict.FAIL, f"the page's SDK reports {wrong}", evidence)
    if unread:
        return CheckResult(check_id, Verdict.INCONCLUSIVE, f"the page's SDK reported no {unread}", evidence)
    return CheckResult(check_id, Verdict.PASS, f"the page's SDK reports {wanted} as promised", evidence)


def _number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


# ---- delivery -------------------------------------------------------------------------------------
_REJECT = """(markers) => { for (const m of markers) Promise.reject(new Error('sentry-gate delivery ' + m)); }"""


def probe_page_delivery(
    target: Target, browser: Any, journey: PageJourney, *, errors: int, batch: int = 5
) -> CheckResult:
    """``errors`` unique unhandled rejections raised in the journey's landing page, ``batch`` at a time
    (the page's global handler reports each), each batch's arrival awaited at the ingest before the next
    (all the waits share one deadline); then the page is left (its client report) and what arrived counted
    by message. A lost batch ends its wait at the deadline and the rest still run."""
    project = _project(target)
    marker = _new_marker()
    markers = [f"{marker}-{i:05d}" for i in range(errors)]
    before = {i.id for i in project.items(type="client_report")}

    def received_now(items: list[StoredItem]) -> set[str]:
        found = set()
        for item in items:
            if item.type == "event" and carries(item, marker):
                text = messages_of(item.json())
                if "sentry-gate delivery" in text:
                    found.add(text.split("sentry-gate delivery ", 1)[1].split()[0])
        return found

    context = browser.new_context(user_agent=marked_user_agent(marker))
    # One deadline for all the waits: a page that sends nothing (or loses every batch) costs it once, not
    # once per batch.
    deadline = time.monotonic() + 2 * ARRIVAL_TIMEOUT_S
    try:
        page = context.new_page()
        page.goto(page_url(target.url, journey.landing, mark(marker)), wait_until="load")
        for start in range(0, errors, batch):
            chunk = markers[start : start + batch]
            page.evaluate(_REJECT, chunk)

            def batch_in(now: list[StoredItem], wanted: frozenset[str] = frozenset(chunk)) -> bool:
                return wanted <= received_now(now)

            left = min(10.0, deadline - time.monotonic())
            if left > 0:
                wait_until(project, batch_in, type="event", timeout=left)
        _leave(page)
        await_marked_quiet(project, marker)
    finally:
        context.close()
    items = project.items()
    received = received_now(items) & set(markers)
    reports = [i for i in items if i.type == "client_report" and i.id not in before]
    accounted = {
        r: q for (r, _), q in discarded(reports, "error").items() if r not in ("before_send", "event_processor")
    }
    return checks.delivery(
        "production.delivery.browser-errors", injected=errors, received=len(received), accounted=accounted
    )


# ---- kill switch ----------------------------------------------------------------------------------
def _absence(
    check_id: str,
    items: Sequence[StoredItem],
    unwanted: Callable[[StoredItem], bool],
    what: str,
    settled: bool,
) -> CheckResult:
    """The hook-free handshake's verdict on one probe's own items (``items``, the sentinel first): an
    unwanted item anywhere is a FAIL; none is a PASS only with the sentinel in and the items quiet after it
    (the absence proof of `harness.production.absence`, scoped to the probe's marker)."""
    sentinel = next((i for i in items if i.type == "event" and not unwanted(i)), None)
    judged = [i for i in items if i is not sentinel]
    found = [i for i in judged if unwanted(i)]
    kinds = Counter(i.type for i in found)
    evidence = {"unwanted": dict(kinds), "judged": len(judged), "sentinel": sentinel is not None, "settled": settled}
    if found:
        return CheckResult(check_id, Verdict.FAIL, f"{what}: {len(found)} arrived ({dict(kinds)})", evidence)
    if sentinel is None or not settled:
        why = "the page's error never arrived" if sentinel is None else "the page's items never went quiet"
        return CheckResult(
            check_id, Verdict.INCONCLUSIVE, f"{what}: none seen, but {why}: absence not proven", evidence
        )
    return CheckResult(
        check_id, Verdict.PASS, f"{what}: none among {len(judged)} item(s), with the page's error in", evidence
    )


def probe_page_kill_switch(target: Target, browser: Any, journey: PageJourney) -> CheckResult:
    """The app started with every browser rate variable at 0: the journey and its error steps, then the
    page left. No transaction, span or whole-session replay of this visit may arrive; its error (the
    sentinel: errors still go out) must."""
    items, settled = _visit(browser, target, journey, _new_marker())

    def traced(item: StoredItem) -> bool:
        if item.type in checks.TRACED_TYPES:
            return True
        return item.type == "replay_event" and (item.json() or {}).get("replay_type") == "session"

    ordered = sorted(items, key=lambda i: i.request_id)
    what = "with every browser rate at 0, traced items"
    return _absence("production.rollback.browser-kill-switch", ordered, traced, what, settled)


def probe_page_development_silent(quiet: Target, control: Target, browser: Any, journey: PageJourney) -> CheckResult:
    """A page in an environment that promises silence: the same visit (journey, error steps, leaving) to
    the app started with its opt-in (the control: it must send) and without; the silent visit is judged
    once its marker's items have been quiet for the window the control's arrived in. A silent page has no
    sentinel to send, so the control's visit is what shows the window is long enough."""
    control_items, _ = _visit(browser, control, journey, _new_marker())
    quiet_items, _ = _visit(browser, quiet, journey, _new_marker(), await_error=False)
    return checks.sending(
        "production.config.browser-development-silent",
        expected_sends=False,
        received=len(quiet_items),
        control_received=len(control_items),
        environment=quiet.options.environment,
    )


# ---- filters --------------------------------------------------------------------------------------
NOISE: Final[dict[str, tuple[str, ...]]] = {
    "dev-noise": (
        "setTimeout(() => { throw new Error('ResizeObserver loop completed with undelivered notifications.'); });",
        "Promise.reject('sentry-gate non-error rejection');",
    ),
    "extension-frames": (
        # An error thrown from a script the browser attributes to an extension (its only frame).
        "setTimeout(() => { (0, eval)(\"(function () { throw new Error('sentry-gate extension error'); })()"
        '\\n//# sourceURL=chrome-extension://abcdefghijklmnopabcdefghijklmnop/content.js"); });',
    ),
}
"""Per ``[expect] browser_drops`` entry, the noise raised in the page (through its global handlers)."""
_NOISE_TEXT: Final = {
    "dev-noise": ("ResizeObserver loop", "non-error rejection", "Non-Error promise rejection"),
    "extension-frames": ("sentry-gate extension error",),
}
CHECK_IDS: Final = {
    "dev-noise": "production.filters.dev-noise",
    "extension-frames": "production.filters.extension-frames",
}


def probe_page_filters(target: Target, browser: Any, journey: PageJourney, drops: Sequence[str]) -> list[CheckResult]:
    """For each declared drop, in a page of its own: the noise raised in the landing page, then a
    comparable real error (``sentry-gate control <marker>``) that must arrive; once the control is in and
    the page left, none of the noise may have arrived."""
    results = []
    for drop in drops:
        marker = _new_marker()
        control = f"setTimeout(() => {{ throw new Error('sentry-gate control {marker}'); }});"
        context = browser.new_context(user_agent=marked_user_agent(marker))
        try:
            page = context.new_page()
            page.goto(page_url(target.url, journey.landing, mark(marker)), wait_until="load")
            for script in NOISE[drop]:
                page.evaluate(f"() => {{ {script} }}")
            page.evaluate(f"() => {{ {control} }}")
            _wait_event(_project(target), marker)
            _leave(page)
            items, settled = await_marked_quiet(_project(target), marker)
        finally:
            context.close()
        texts = _NOISE_TEXT[drop]

        def noise(item: StoredItem, texts: tuple[str, ...] = texts) -> bool:
            return item.type == "event" and any(t in messages_of(item.json()) for t in texts)

        controls = [i for i in items if i.type == "event" and "sentry-gate control" in messages_of(i.json())]
        ordered = sorted(controls, key=lambda i: i.request_id) + [i for i in items if i not in controls]
        results.append(_absence(CHECK_IDS[drop], ordered, noise, f"{drop} errors from the page", settled))
    return results


# ---- breadcrumbs ----------------------------------------------------------------------------------
def probe_page_breadcrumbs(target: Target, browser: Any, journey: PageJourney, *, limit: int) -> CheckResult:
    """The journey, then ``2 * limit`` console lines (the SDK's console breadcrumbs), then the error steps:
    their error must carry exactly ``limit`` breadcrumbs (the page's maxBreadcrumbs keeps the newest)."""
    marker = _new_marker()
    added = 2 * limit
    script = f"() => {{ for (let i = 0; i < {added}; i++) console.log('sentry-gate breadcrumb ' + i); }}"
    items, _ = _visit(browser, target, journey, marker, before_error=script)
    events = sorted((i for i in items if i.type == "event"), key=lambda i: i.id)
    return checks.max_breadcrumbs(
        "production.config.browser-max-breadcrumbs", events[0].json() if events else None, limit, added
    )


# ---- attachStacktrace -----------------------------------------------------------------------------
def probe_page_attach_stacktrace(target: Target, browser: Any, journey: PageJourney, *, expected: bool) -> CheckResult:
    """A ``console.error`` line in the landing page: a page that captures its console errors (the
    CaptureConsole integration, the usual way a page captures a message) sends it as a message, which carries
    a stack trace exactly when attachStacktrace is on (`checks.attach_stacktrace`). A page that captures no
    console errors sends nothing: INCONCLUSIVE, the promise has nothing to be judged on."""
    marker = _new_marker()
    context = browser.new_context(user_agent=marked_user_agent(marker))
    try:
        page = context.new_page()
        page.goto(page_url(target.url, journey.landing, mark(marker)), wait_until="load")
        page.evaluate("(m) => console.error('sentry-gate message ' + m)", marker)
        events = _wait_event(_project(target), marker)
    finally:
        context.close()
    message = next((i.json() for i in events if f"sentry-gate message {marker}" in messages_of(i.json())), None)
    result = checks.attach_stacktrace("production.config.browser-attach-stacktrace", message, expected)
    if message is None:
        summary = "the page captured no console.error (no message path to judge attachStacktrace on)"
        return CheckResult(result.check_id, Verdict.INCONCLUSIVE, summary, result.evidence)
    return result
