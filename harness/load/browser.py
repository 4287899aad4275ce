"""Browser overhead: interleaved page loads of the bundled client in Debian's Chromium, CPU throttled.

Each arm is a running target whose server injects a different browser config: ``off`` (no browser
DSN, the page never calls ``Sentry.init``), ``sdk`` (SDK with tracing, replay rates 0) and ``replay``
(SDK + Replay recording every session). The server SDK is off in every arm, so the page's own cost is
all that differs. One Chromium (`harness.common.browser`: Debian's, never a downloaded browser)
loads the arms in alternating, rotating order, each load in a fresh context (empty cache, no storage), with the
CPU slowed through CDP (``Emulation.setCPUThrottlingRate``) as a mid-range phone would be.

Per load it measures LCP and FCP (``PerformanceObserver``, registered before any page script), total
blocking time from the long tasks after FCP up to the first idle period after ``load``, the JS heap
after a forced GC and the main thread's script time (CDP ``Performance.getMetrics``). The statistics
and the verdict are pure, in `harness.load.browser_stats`.

Nothing here runs on import; nothing leaves the machine (the instrumented arms send to the local ingest).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from harness.load.browser_stats import PageSample, interleaved_order, total_blocking_time
from harness.settings import AppVariables
from harness.targets.paths import NO_SENTRY_DIST

__all__ = [
    "ARM_ENV",
    "DEFAULT_THROTTLE",
    "PRODUCTION_ENV",
    "Arm",
    "ArmMisconfigured",
    "baseline_build_missing",
    "busy_wait_script",
    "delivery_control",
    "measure_load",
    "run_interleaved",
]

DEFAULT_THROTTLE: Final = 4.0

# The target's environment per arm (None removes a variable). Tracing at 1.0 makes every load do the
# same work (the production rate 0.1 would add a coin flip's variance); the server SDK is off in all.
_COMMON: Final[Mapping[str, str | None]] = {"SENTRY_DSN": None, "SENTRY_BROWSER_TRACES_SAMPLE_RATE": "1.0"}
# "off" serves the app built without the SDK (client/dist-no-sentry): the default build with no browser
# DSN still downloads and parses the SDK, which would leave the cost of shipping it out of every ratio.
ARM_ENV: Final[Mapping[str, Mapping[str, str | None]]] = {
    "off": {**_COMMON, "SENTRY_DSN_BROWSER": None, AppVariables.CLIENT_DIST: str(NO_SENTRY_DIST)},
    "sdk": {**_COMMON, "SENTRY_REPLAYS_SESSION_SAMPLE_RATE": "0", "SENTRY_REPLAYS_ON_ERROR_SAMPLE_RATE": "0"},
    "replay": {**_COMMON, "SENTRY_REPLAYS_SESSION_SAMPLE_RATE": "1.0", "SENTRY_REPLAYS_ON_ERROR_SAMPLE_RATE": "1.0"},
}


def baseline_build_missing() -> str | None:
    """Why the "off" arm cannot be served (its build is missing), or None."""
    if (NO_SENTRY_DIST / "index.html").is_file():
        return None
    return f"{NO_SENTRY_DIST} is missing: build it with `bash targets/express_vue/build.sh no-sentry` (make targets)"


PRODUCTION_ENV: Final[Mapping[str, str | None]] = {"SENTRY_DSN": None}
"""The shipped production configuration, no overrides: traces 0.1, replay sessions 0.05 and replay on
error 1.0 (which buffers a recording in every session). Not a check's arm; the benchmark's ``--production``."""

# Registered before any page script runs (Playwright init script), so no entry is missed.
_OBSERVE = """(() => {
  if (window !== window.top) return;
  const perf = { lcp: [], longtasks: [], fcp: null };
  window.__gatePerf = perf;
  const watch = (type, fn) => {
    try { new PerformanceObserver((list) => list.getEntries().forEach(fn)).observe({ type, buffered: true }); }
    catch (e) { perf[type + 'Error'] = String(e); }
  };
  watch('largest-contentful-paint', (e) => perf.lcp.push(e.startTime));
  watch('longtask', (e) => perf.longtasks.push([e.startTime, e.duration]));
  watch('paint', (e) => { if (e.name === 'first-contentful-paint') perf.fcp = e.startTime; });
})();"""

# The page has settled when the main thread gets an idle period after `load` (bounded by a deadline).
_SETTLE = """async (deadlineMs) => {
  await new Promise((resolve) => requestIdleCallback(resolve, { timeout: deadlineMs }));
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  await new Promise((resolve) => requestIdleCallback(resolve, { timeout: deadlineMs }));
  const perf = window.__gatePerf;
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    lcp: perf.lcp.length ? perf.lcp[perf.lcp.length - 1] : null,
    fcp: perf.fcp,
    longtasks: perf.longtasks,
    now: performance.now(),
    load: nav ? nav.loadEventEnd : null,
    enabled: Boolean(window.__gate && window.__gate.enabled),
    errors: Object.keys(perf).filter((k) => k.endsWith('Error')),
  };
}"""


def busy_wait_script(ms: float, event: str = "DOMContentLoaded") -> str:
    """An init script that keeps the main thread busy for ``ms`` when ``event`` fires: a known cost,
    injected by the harness into one arm to stand in for a mutant (no target variant is slower)."""
    return (
        f"window.addEventListener({event!r}, () => {{"
        f" const end = performance.now() + {float(ms)}; while (performance.now() < end) {{}} }});"
    )


@dataclass(frozen=True, slots=True)
class Arm:
    """One configuration under test: the URL serving it, and optionally a harness-injected script."""

    name: str
    url: str
    init_script: str | None = None
    expect_sdk: bool | None = None
    """Whether the page must have started the SDK (checked per load; None: not checked)."""


class ArmMisconfigured(RuntimeError):
    """A page did not run the configuration its arm names (SDK on where it should be off, or the reverse)."""


def _metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


def measure_load(browser: Any, arm: Arm, round_no: int, *, throttle: float, settle_ms: int = 10_000) -> PageSample:
    """Load ``arm.url`` once in a fresh context and measure it."""
    context = browser.new_context()
    try:
        context.add_init_script(_OBSERVE)
        if arm.init_script:
            context.add_init_script(arm.init_script)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.goto(arm.url, wait_until="load", timeout=60_000)
        page.wait_for_function("window.__gate !== undefined", timeout=60_000)
        seen: dict[str, Any] = page.evaluate(_SETTLE, settle_ms)
        before_gc = _metrics(cdp)
        cdp.send("HeapProfiler.collectGarbage")
        after_gc = _metrics(cdp)
    finally:
        context.close()
    if seen["fcp"] is None or seen["lcp"] is None:
        raise RuntimeError(f"{arm.name}: the page reported no FCP/LCP ({seen['errors']})")
    if arm.expect_sdk is not None and bool(seen["enabled"]) != arm.expect_sdk:
        raise ArmMisconfigured(f"arm {arm.name}: SDK enabled={seen['enabled']}, expected {arm.expect_sdk}")
    fcp = float(seen["fcp"])
    tasks = [(float(s), float(d)) for s, d in seen["longtasks"]]
    return PageSample(
        arm=arm.name,
        round=round_no,
        lcp_ms=float(seen["lcp"]),
        fcp_ms=fcp,
        tbt_ms=total_blocking_time(tasks, fcp, float(seen["now"])),
        long_tasks=len(tasks),
        heap_bytes=after_gc.get("JSHeapUsedSize", 0.0),
        script_ms=before_gc.get("ScriptDuration", 0.0) * 1000,
        task_ms=before_gc.get("TaskDuration", 0.0) * 1000,
        load_ms=float(seen["load"] or 0.0),
        sdk_enabled=bool(seen["enabled"]),
    )


def run_interleaved(
    browser: Any,
    arms: Sequence[Arm],
    rounds: int,
    *,
    throttle: float = DEFAULT_THROTTLE,
    warmup_rounds: int = 1,
    on_sample: Callable[[PageSample], None] | None = None,
) -> list[PageSample]:
    """``warmup_rounds`` discarded rounds (Chromium's code cache, the servers' first requests), then
    ``rounds`` measured rounds in `interleaved_order` (numbered from 0)."""
    by_name = {a.name: a for a in arms}
    names = [a.name for a in arms]
    for w in range(warmup_rounds):
        for name in names:
            measure_load(browser, by_name[name], -1 - w, throttle=throttle)
    samples: list[PageSample] = []
    for r, order in enumerate(interleaved_order(names, rounds)):
        for name in order:
            sample = measure_load(browser, by_name[name], r, throttle=throttle)
            samples.append(sample)
            if on_sample is not None:
                on_sample(sample)
    return samples


def delivery_control(browser: Any, url: str, project: Any, *, replay: bool, timeout: float = 30.0) -> dict[str, int]:
    """One unmeasured page of an instrumented arm, driven until it delivered: a navigation (which ends
    the pageload trace), for the replay arm the replay's minimum age (the SDK sends no replay younger
    than 5 s), then the page's flush hook; the ingest is long-polled for the items. The positive
    control that the arm's SDK really ran and sent to the local ingest (``project``, a ``ProjectHandle``)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_function("window.__gate !== undefined", timeout=60_000)
        page.click("a[href='/login']")
        page.wait_for_url("**/login")
        if replay:
            page.wait_for_function("window.__gate.replayAgeMs() > 5000", timeout=timeout * 1000)
        page.evaluate("() => window.__gate.flush(5000)")
        project.wait_for_items(type="transaction", count=1, timeout=timeout)
        if replay:
            project.wait_for_items(type="replay_event", count=1, timeout=timeout)
    finally:
        context.close()
    counts: dict[str, int] = {}
    for item in project.items():
        counts[item.type] = counts.get(item.type, 0) + 1
    return counts
