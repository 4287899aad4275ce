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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from playwright.async_api import Page as AsyncPage

from harness.common.browser import in_fresh_pages
from harness.ingest import StoredItem
from harness.results import CheckResult
from harness.stats import decide_rate
from harness.targets.target import Target

__all__ = ["ON_ERROR_CHECK", "SESSION_CHECK", "probe_replay_rates", "replay_rates", "replay_types"]

SESSION_CHECK = "production.sampling.replay-session-rate"
ON_ERROR_CHECK = "production.replay.on-error"
MIN_AGE_MS = 5200  # past the SDK's minReplayDuration (4,990 ms)


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
