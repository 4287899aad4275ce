"""Replay rates measured over real browser sessions: the session sample rate and the on-error rate.

Every session is a fresh browser context that loads the page, lives past the SDK's minimum replay
duration (it sends nothing for a replay younger than about 5 s, flush or not), throws one error, and
runs the page's flush hook. What arrived decides the rates, never what the page says it configured:

- a session the SDK sampled for replay sends a replay with ``replay_type`` ``session``;
- any other session records into a buffer only when the on-error rate picks it, and the error turns that
  buffer into a replay with ``replay_type`` ``buffer``.

So the session rate is ``session`` replays over sessions, and the on-error rate is ``buffer`` replays over
the sessions not sampled for a whole-session replay. A session is counted only once its flush hook
answered, so a page that never flushed cannot pass for an unsampled one.

The nightly sampling profile measures the session rate alone, precisely (`probe_replay_session_rate`):
Replay draws ``session`` or ``buffer`` once, when it starts (``Math.random() < sessionSampleRate``, kept
with the session in ``sessionStorage``), and its ``_flush`` refuses, and reschedules, any send while the
session is younger than ``minReplayDuration`` (4,999 ms), flush hook or not. So the shortest honest
session is a page load held until Replay's own session is 5.2 s old, then the flush hook: no error is
needed, and a buffering session the hook flushes sends a ``buffer`` replay, which the session rate does
not count. Tabs share browser contexts there (`TABS_PER_CONTEXT`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as AsyncPage

from harness.common.browser import async_chromium, in_fresh_pages
from harness.ingest import StoredItem
from harness.results import CheckResult
from harness.stats import decide_rate, power
from harness.targets.target import Target

__all__ = [
    "ON_ERROR_CHECK",
    "SESSION_CHECK",
    "probe_replay_rates",
    "probe_replay_session_rate",
    "replay_rates",
    "replay_types",
    "session_rate",
]

SESSION_CHECK = "production.sampling.replay-session-rate"
ON_ERROR_CHECK = "production.replay.on-error"
MIN_AGE_MS = 5200  # past the SDK's minReplayDuration (4,990 ms)
T = TypeVar("T")


def replay_types(items: Iterable[StoredItem], replay_ids: Iterable[str]) -> dict[str, str]:
    """``replay_type`` of each of ``replay_ids`` that sent a replay event (its first one wins)."""
    wanted = set(replay_ids)
    found: dict[str, str] = {}
    for item in items:
        if item.type != "replay_event":
            continue
        payload = item.json()
        if not isinstance(payload, dict):
            continue
        replay_id = str(payload.get("replay_id") or payload.get("event_id") or "")
        if replay_id in wanted:
            found.setdefault(replay_id, str(payload.get("replay_type") or ""))
    return found


def replay_rates(
    types: Mapping[str, str],
    sessions: int,
    *,
    session_rate: float,
    on_error_rate: float,
    tolerance: float,
    level: float,
    environment: str,
) -> tuple[CheckResult, CheckResult]:
    """The two three-outcome rate checks from the replay types that arrived for ``sessions`` sessions."""
    whole = sum(1 for t in types.values() if t == "session")
    buffered = sum(1 for t in types.values() if t == "buffer")
    other = {k: t for k, t in types.items() if t not in ("session", "buffer")}
    evidence = {"sessions": sessions, "session_replays": whole, "buffer_replays": buffered, "other": len(other)}
    s = decide_rate(whole, sessions, session_rate, tolerance, level=level)
    session = CheckResult(
        SESSION_CHECK,
        s.verdict,
        s.summary(f"replay session sample rate in {environment}"),
        {**s.evidence, **evidence},
    )
    e = decide_rate(buffered, sessions - whole, on_error_rate, tolerance, level=level)
    on_error = CheckResult(
        ON_ERROR_CHECK,
        e.verdict,
        e.summary(f"replay on-error rate in {environment} (error sessions not sampled whole)"),
        {**e.evidence, **evidence},
    )
    return session, on_error


_READY = "window.__gate !== undefined"
_OLD_ENOUGH = f"window.__gate.replayAgeMs() >= {MIN_AGE_MS}"


async def _sessions(url: str, marker: str, sessions: int, concurrency: int) -> list[str | None]:
    """Run ``sessions`` sessions, ``concurrency`` contexts at a time; the page's replay id for each one
    whose flush hook answered (None: no replay recorded at all)."""

    async def visit(page: AsyncPage, i: int) -> tuple[bool, str | None]:
        await page.goto(f"{url}/errors?marker={marker}-{i}", wait_until="load")
        await page.wait_for_function(_READY, timeout=60_000)
        await page.wait_for_function(_OLD_ENOUGH, timeout=60_000, polling=250)
        await page.click("#throw")
        replay_id = await page.evaluate("() => window.__gate.replayId()")
        return bool(await page.evaluate("() => window.__gate.flush(10000)")), replay_id

    return [replay_id for flushed, replay_id in await in_fresh_pages(sessions, concurrency, visit) if flushed]


def probe_replay_rates(
    target: Target,
    *,
    sessions: int,
    session_rate: float,
    on_error_rate: float,
    tolerance: float,
    level: float,
    environment: str,
    concurrency: int = 13,
) -> tuple[CheckResult, CheckResult]:
    """``sessions`` real browser sessions of the target, each with one error; the measured replay session
    rate and on-error rate (`replay_rates`)."""
    from harness.production.drive import new_marker, run_async

    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    replay_ids = run_async(_sessions(target.url, new_marker("replay"), sessions, concurrency))
    types = replay_types(project.items(type="replay_event"), [r for r in replay_ids if r])
    return replay_rates(
        types,
        len(replay_ids),
        session_rate=session_rate,
        on_error_rate=on_error_rate,
        tolerance=tolerance,
        level=level,
        environment=environment,
    )


# The nightly precise session rate (harness/suites/sampling): only whole-session replays matter, so a
# session is a page load held past the SDK's minimum, then the flush hook; no error is thrown.
SESSION_CONCURRENCY = 40
TABS_PER_CONTEXT = 10
"""40 sessions in flight, 10 tabs to a browser context. Replay keeps its session (id, start, sampling
decision) in ``sessionStorage``, which is per tab, so tabs sharing a context draw independently. Measured
on the 2-core machine at load average 30-45 (other runs beside it), browser start included: a context per
session cost 0.94 / 0.86 s of wall time per session at 20 / 30 in flight (90 sessions), shared contexts
0.50 / 0.58, and 0.40 at 40 in flight (160 sessions); the nightly production run, 1,845 sessions at 40
in flight, 618 s: 0.335 s per session. The machine's cores, not the 5 s wait, set the pace: a session costs
about 0.17 s of CPU (page load, rrweb's snapshot, the flush; 306 CPU-seconds in that run)."""
SECONDS_PER_SESSION = 0.35
"""Wall time per session at `SESSION_CONCURRENCY` measured as above (what the sampling suite sizes with)."""


async def _in_shared_contexts(
    count: int, concurrency: int, tabs_per_context: int, visit: Callable[[AsyncPage, int], Awaitable[T]]
) -> list[T]:
    """``visit(page, i)`` for each ``i < count`` in a new tab, ``concurrency`` tabs at a time, the tabs of
    ``tabs_per_context`` workers sharing one browser context; the results in completion order."""
    results: list[T] = []
    remaining = list(range(count))
    async with async_chromium() as browser:
        contexts = [await browser.new_context() for _ in range(-(-concurrency // tabs_per_context))]

        async def worker(context: BrowserContext) -> None:
            while remaining:
                i = remaining.pop()
                page = await context.new_page()
                try:
                    results.append(await visit(page, i))
                finally:
                    await page.close()

        await asyncio.gather(*(worker(contexts[w // tabs_per_context]) for w in range(concurrency)))
    return results


async def _whole_sessions(url: str, marker: str, sessions: int, concurrency: int, tabs: int) -> list[str | None]:
    """Run ``sessions`` page loads, each held past the SDK's minimum replay age and then flushed; the
    replay id of each one whose flush hook answered (None: no replay recorded at all). A session whose
    page timed out or broke is not counted, like one whose flush hook did not answer: one slow page out of
    thousands on a loaded machine must not void the run."""

    async def visit(page: AsyncPage, i: int) -> tuple[bool, str | None]:
        try:
            await page.goto(f"{url}/?marker={marker}-{i}", wait_until="load")
            await page.wait_for_function(_READY, timeout=60_000)
            await page.wait_for_function(_OLD_ENOUGH, timeout=60_000, polling=250)
            replay_id = await page.evaluate("() => window.__gate.replayId()")
            return bool(await page.evaluate("() => window.__gate.flush(10000)")), replay_id
        except PlaywrightError:
            return False, None

    visits = await _in_shared_contexts(sessions, concurrency, tabs, visit)
    return [replay_id for flushed, replay_id in visits if flushed]


def session_rate(
    types: Mapping[str, str],
    sessions: int,
    *,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
    neighbours: Sequence[float] = (),
) -> CheckResult:
    """The session rate check from the replay types that arrived for ``sessions`` sessions, with the exact
    probability that each neighbour rate (another environment's) would have FAILed it at this n."""
    whole = sum(1 for t in types.values() if t == "session")
    s = decide_rate(whole, sessions, expected, tolerance, level=level)
    power_at = {f"{r:g}": round(power(sessions, expected, tolerance, r, level=level), 4) for r in neighbours}
    stated = "; a neighbour rate fails with " + ", ".join(f"P={p:.3f} at {r}" for r, p in power_at.items())
    return CheckResult(
        SESSION_CHECK,
        s.verdict,
        s.summary(f"replay session sample rate in {environment}") + (stated if power_at else ""),
        {**s.evidence, "sessions": sessions, "session_replays": whole, "neighbour_power": power_at},
    )


def probe_replay_session_rate(
    target: Target,
    *,
    sessions: int,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
    neighbours: Sequence[float] = (),
    concurrency: int = SESSION_CONCURRENCY,
    tabs_per_context: int = TABS_PER_CONTEXT,
) -> CheckResult:
    """``sessions`` short real sessions of the target's page (no error): whole-session replays over
    sessions (`session_rate`); the evidence adds the wall time per session."""
    from harness.production.drive import new_marker, run_async

    project = target.browser_project
    if project is None:
        raise RuntimeError(f"{target.name} has no browser project")
    started = time.monotonic()
    replay_ids = run_async(
        _whole_sessions(target.url, new_marker("replay-rate"), sessions, concurrency, tabs_per_context)
    )
    wall = time.monotonic() - started
    types = replay_types(project.items(type="replay_event"), [r for r in replay_ids if r])
    result = session_rate(
        types,
        len(replay_ids),
        expected=expected,
        tolerance=tolerance,
        level=level,
        environment=environment,
        neighbours=neighbours,
    )
    timing = {
        "sessions_not_flushed": sessions - len(replay_ids),
        "wall_s": round(wall, 1),
        "s_per_session": round(wall / max(1, len(replay_ids)), 3),
        "concurrency": concurrency,
        "tabs_per_context": tabs_per_context,
    }
    return CheckResult(result.check_id, result.verdict, result.summary, {**result.evidence, **timing})
