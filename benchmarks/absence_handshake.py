"""Absence without hooks (issue 15): does "the sentinel arrived" mean "everything captured before it arrived"?

    .venv/bin/python benchmarks/absence_handshake.py [--trials 30] [--sdk python node browser]
        [--logins 8] [--errors 4] [--concurrency 4] [--navs 2] [--page-errors 6] [--page-burst]
        [--settle S] [--stop-trials 10] [--json out.json]

For each SDK, ``--trials`` trials of: traffic the SDK reports, then at once a sentinel error, then the
wait for the sentinel at the ingest (`harness.production.absence.await_sentinel`), then the SDK's
quiescence window (`await_quiet`, `SETTLE_S` of the SDK unless ``--settle``); then a control (the target's
flush route for the servers, the page's flush hook in the browser, then a quiet second at the ingest)
collects what came later. Every item of the trial was caused before the sentinel was sent: one stored
*after* the sentinel (a higher request id at the ingest) is *late*, and one the handshake did not have
when its window ended is *missed* (the handshake would have judged without it).

- sentry-sdk (``python-api``) and @sentry/node (``express-vue``'s server): ``--logins`` ``POST /api/login``
  and ``--errors`` ``GET /api/fail`` (``--concurrency`` at a time), traces at 1.0 and profiles at 0, each
  request marked by its ``User-Agent`` and ``X-Gate-Marker`` (for counting only); the sentinel is one more
  ``GET /api/fail`` carrying `sentinel_headers` (a ``sentry-trace`` whose trace id is the marker, and the
  marker in its ``User-Agent``): no gate route, no tag.
- @sentry/browser (the page ``express-vue`` serves, in Debian's Chromium; browser traces at 1.0, Replay
  off): a fresh context whose ``User-Agent`` carries the trial's marker loads ``/errors``, follows the
  router links ``/login`` → ``/errors`` ``--navs`` times, and clicks the throw / reject buttons
  ``--page-errors`` times; the sentinel is one more click on "Throw an error" with the marker typed in.
  ``--page-burst`` throws the errors and then the sentinel from timers queued in one task instead.

A late item is *in flight* when its request reached the ingest before the sentinel's (the two were on the
wire side by side: the transport reordered them), else it was sent after the sentinel (the SDK captured or
queued it later). The table gives per SDK: trials, items, late items, the trials with one and the
Clopper-Pearson 95% upper bound on that rate, the largest lag (late item's request − the sentinel's at the
ingest), the window, the items and trials missed after it (with the bound), and the sentinel's latency
(sent → stored) p50/p95.

``--stop-trials`` runs the server alternative: start the app, send the traffic, SIGTERM it (the target
file's stop signal; both apps close their SDK on it), wait for the exit, then count what is stored against
what the ordering trials stored per trial. Each is a fresh start, so they cost a start each.

Timing lives here, never in unit tests. Everything is on loopback: a local ingest, the bundled apps.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.common.browser import chromium
from harness.ingest import IngestClient, ProjectHandle, StoredItem, start_ingest
from harness.production.absence import (
    SETTLE_S,
    await_quiet,
    await_sentinel,
    carries,
    in_sentinel_trace,
    is_sentinel,
    sentinel_headers,
    sentinel_marker,
)
from harness.production.drive import burst, new_marker
from harness.stats import clopper_pearson, quantile
from harness.targets import TargetOptions, start_target
from harness.targets.target import Target

SDKS = {
    "python": ("sentry-sdk", "python-api"),
    "node": ("@sentry/node", "express-vue"),
    "browser": ("@sentry/browser", "express-vue"),
}
SERVER_ENV = {"SENTRY_TRACES_SAMPLE_RATE": "1.0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}
BROWSER_ENV = {"SENTRY_BROWSER_TRACES_SAMPLE_RATE": "1.0", "SENTRY_REPLAY": "off"}
LOGIN = {"email": "absence@example.com", "password": "correct horse battery"}
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
SENTINEL_TIMEOUT_S = 20.0
QUIET_S = 1.0


@dataclass
class Trial:
    """One trial's figures (the JSON output holds one per trial)."""

    sdk: str
    items: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    sentinel_arrived: bool = False
    latency_s: float | None = None
    late: int = 0
    late_in_flight: int = 0
    late_types: dict[str, int] = field(default_factory=dict)
    lags_s: list[float] = field(default_factory=list)
    late_names: list[str] = field(default_factory=list)
    window_s: float = 0.0
    window_quiet: bool = True
    missed_by_window: int = 0
    others_after: dict[str, int] = field(default_factory=dict)
    sentinel_transactions: int = 0


# ---- reading what arrived --------------------------------------------------------------------------
def name_of(item: StoredItem) -> str:
    """A transaction's name and op (``navigation /errors``), or an event's first exception value."""
    try:
        payload = item.json()
    except Exception:
        return "?"
    if not isinstance(payload, dict):
        return "?"
    if item.type == "transaction":
        op = ((payload.get("contexts") or {}).get("trace") or {}).get("op")
        return f"{op} {payload.get('transaction')}"
    values = (payload.get("exception") or {}).get("values") or [{}]
    return str(values[-1].get("value") or payload.get("message") or "")[:60]


def judge_trial(
    trial: Trial, items: Sequence[StoredItem], seen_before: set[int], judged: set[int], mark: str, sentinel: str
) -> None:
    """Fill ``trial`` from the project's items after the control (``seen_before``: ids stored before the
    trial; ``judged``: ids the handshake had when it would have judged, i.e. after its window).

    A trial item is late when the ingest stored it after the sentinel (a higher request id: its body was
    read later); *in flight* when its request reached the ingest before the sentinel's did (an earlier
    ``received_at``: the two were on the wire side by side), else it was sent after the sentinel. Its lag
    is its request's arrival minus the sentinel's."""
    new = [i for i in items if i.id not in seen_before]
    first = next((i for i in sorted(new, key=lambda i: i.request_id) if is_sentinel(i, sentinel)), None)
    ours = [i for i in new if carries(i, mark) and i is not first and not in_sentinel_trace(i, sentinel)]
    trial.items = len(ours)
    trial.by_type = dict(Counter(i.type for i in ours))
    trial.sentinel_transactions = sum(1 for i in new if i.type == "transaction" and in_sentinel_trace(i, sentinel))
    if first is None:
        return
    trial.sentinel_arrived = True
    late = [i for i in ours if i.request_id > first.request_id]
    trial.late = len(late)
    trial.late_in_flight = sum(1 for i in late if i.received_at < first.received_at)
    trial.late_types = dict(Counter(i.type for i in late))
    trial.lags_s = sorted(round(i.received_at - first.received_at, 4) for i in late)
    trial.late_names = sorted(f"{i.type} {name_of(i)}" for i in late)
    trial.missed_by_window = sum(1 for i in ours if i.id not in judged)
    mine = {i.id for i in ours} | {first.id}
    trial.others_after = dict(Counter(i.type for i in new if i.request_id > first.request_id and i.id not in mine))


# ---- server SDKs -------------------------------------------------------------------------------------
def traffic(mark: str, logins: int, errors: int) -> list[tuple[str, str, dict[str, str], Any]]:
    headers = {"User-Agent": f"sentry-gate-absence/{mark}", "X-Gate-Marker": mark}
    out: list[tuple[str, str, dict[str, str], Any]] = []
    for i in range(max(logins, errors)):
        if i < logins:
            out.append(("POST", "/api/login", headers, LOGIN))
        if i < errors:
            out.append(("GET", "/api/fail", headers, None))
    return out


def send_sentinel(target: Target, marker: str) -> float:
    """The sentinel: the app's own failing request, recognisable only by its headers. Returns when it was sent."""
    sent = time.time()
    response = target.http.get("/api/fail", headers=sentinel_headers(marker))
    if response.status_code != 500:
        raise RuntimeError(f"/api/fail answered {response.status_code}")
    return sent


def handshake_window(project: ProjectHandle, stored: list[StoredItem], trial: Trial) -> set[int]:
    """The ids the handshake would judge: up to the sentinel, plus what `await_quiet` adds in the window."""
    if trial.window_s <= 0:
        return {i.id for i in stored}
    settled, trial.window_quiet = await_quiet(project, quiet=trial.window_s, timeout=trial.window_s + 15.0)
    return {i.id for i in settled}


def server_trial(target: Target, project: ProjectHandle, sdk: str, window: float, args: argparse.Namespace) -> Trial:
    trial = Trial(sdk)
    mark, sentinel = new_marker("absence"), sentinel_marker()
    trial.window_s = window
    seen = {i.id for i in project.items()}
    statuses = burst(target, traffic(mark, args.logins, args.errors), concurrency=args.concurrency)
    if set(statuses) - {200, 500}:
        raise RuntimeError(f"unexpected statuses {dict(statuses)}\n{target.logs()}")
    sent = send_sentinel(target, sentinel)
    stored = await_sentinel(project, sentinel, timeout=SENTINEL_TIMEOUT_S)
    arrived = next((i for i in stored if is_sentinel(i, sentinel)), None)
    if arrived is not None:
        trial.latency_s = arrived.received_at - sent
    judged = handshake_window(project, stored, trial)
    target.flush()  # the control: the gate route, to collect what the handshake would have missed
    items, _ = await_quiet(project, quiet=QUIET_S, timeout=15.0)
    judge_trial(trial, items, seen, judged, mark, sentinel)
    return trial


@dataclass
class StopTrial:
    sdk: str
    stored: int
    by_type: dict[str, int]
    exit_code: int
    stop_s: float


def stop_trial(
    ingest: IngestClient,
    name: str,
    project: ProjectHandle,
    browser: ProjectHandle,
    sdk: str,
    args: argparse.Namespace,
    log_dir: Path,
) -> StopTrial:
    """Start ``name``, send the traffic, stop it with its stop signal; count what the ingest stored."""
    options = TargetOptions(server_dsn=project.dsn, browser_dsn=browser.dsn, fault_token=None, extra_env=SERVER_ENV)
    target = start_target(name, options, log_dir)
    mark = new_marker("absence-stop")
    try:
        statuses = burst(target, traffic(mark, args.logins, args.errors), concurrency=args.concurrency)
        if set(statuses) - {200, 500}:
            raise RuntimeError(f"unexpected statuses {dict(statuses)}")
        process = target.process
        assert process is not None
        started = time.monotonic()
        code = process.stop(15.0, sig=signal.SIGTERM)
        stop_s = time.monotonic() - started
    finally:
        target.stop()
    ingest.flush()
    ours = [i for i in project.items() if carries(i, mark)]
    return StopTrial(sdk, len(ours), dict(Counter(i.type for i in ours)), code, stop_s)


# ---- the browser SDK ---------------------------------------------------------------------------------
_READY = "window.__gate !== undefined && window.__gate.enabled"
# The harshest order for a concurrent transport: every error and then the sentinel thrown from timers queued
# in one task, so their requests start within a millisecond of each other.
_BURST = """([markers, sentinel]) => {
  for (const m of markers) setTimeout(() => { throw new Error('gate absence burst ' + m); });
  setTimeout(() => { throw new Error('gate client throw ' + sentinel); });
}"""


def browser_trial(
    browser: Any, target: Target, project: ProjectHandle, window: float, args: argparse.Namespace
) -> Trial:
    trial = Trial("@sentry/browser")
    mark, sentinel = new_marker("absence"), sentinel_marker()
    trial.window_s = window
    seen = {i.id for i in project.items()}
    context = browser.new_context(user_agent=f"{UA} sentry-gate-absence/{mark}")
    try:
        page = context.new_page()
        page.goto(f"{target.url}/errors", wait_until="load")
        page.wait_for_function(_READY, timeout=30_000)
        for _ in range(args.navs):
            page.click("a[href='/login']")
            page.wait_for_url("**/login")
            page.click("a[href='/errors']")
            page.wait_for_url("**/errors")
        if args.page_burst:
            sent = time.time()
            page.evaluate(_BURST, [[f"{mark}-{i}" for i in range(args.page_errors)], sentinel])
        else:
            for i in range(args.page_errors):
                page.fill("#marker", f"{mark}-{i}")  # each error differs, or the SDK's dedupe drops a repeat
                page.click("#throw" if i % 2 == 0 else "#reject")
            page.fill("#marker", sentinel)
            sent = time.time()
            page.click("#throw")
        stored = await_sentinel(project, sentinel, timeout=SENTINEL_TIMEOUT_S)
        arrived = next((i for i in stored if is_sentinel(i, sentinel)), None)
        if arrived is not None:
            trial.latency_s = arrived.received_at - sent
        judged = handshake_window(project, stored, trial)  # the tab stays open through the window
        page.evaluate("() => window.__gate.flush(10000)")  # the control: the page hook
        items, _ = await_quiet(project, quiet=QUIET_S, timeout=15.0)
    finally:
        context.close()
    judge_trial(trial, items, seen, judged, mark, sentinel)
    return trial


# ---- the run -----------------------------------------------------------------------------------------
@contextmanager
def a_target(
    ingest: IngestClient, name: str, extra_env: dict[str, str], log_dir: Path
) -> Iterator[tuple[Target, ProjectHandle, ProjectHandle]]:
    server = ProjectHandle(ingest, ingest.create_project(f"{name} server"))
    browser = ProjectHandle(ingest, ingest.create_project(f"{name} browser"))
    options = TargetOptions(server_dsn=server.dsn, browser_dsn=browser.dsn, extra_env=extra_env)
    target = start_target(name, options, log_dir)
    try:
        yield target, server, browser
    finally:
        target.stop()


def repeat(n: int, one: Callable[[], Trial], label: str) -> list[Trial]:
    trials = []
    for k in range(n):
        t = one()
        trials.append(t)
        lat = "-" if t.latency_s is None else f"{t.latency_s * 1000:.0f} ms"
        lags = ", ".join(f"{x * 1000:+.0f}" for x in t.lags_s)
        print(
            f"  {label} {k + 1}/{n}: {t.items} items {t.by_type}, sentinel {'in' if t.sentinel_arrived else 'MISSING'}"
            f" after {lat}; late {t.late} {t.late_names or ''} (in flight {t.late_in_flight}; lags ms [{lags}]);"
            f" other types after it {t.others_after or '-'}",
            flush=True,
        )
    return trials


def summarise(sdk: str, trials: list[Trial]) -> dict[str, Any]:
    n = len(trials)
    items = sum(t.items for t in trials)
    late = sum(t.late for t in trials)
    late_trials = sum(1 for t in trials if t.late)
    missed_trials = sum(1 for t in trials if t.missed_by_window or not t.window_quiet)
    latencies = [t.latency_s for t in trials if t.latency_s is not None]
    late_types: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for t in trials:
        late_types.update(t.late_types)
        others.update(t.others_after)
    return {
        "sdk": sdk,
        "trials": n,
        "items": items,
        "late": late,
        "late_in_flight": sum(t.late_in_flight for t in trials),
        "late_types": dict(late_types),
        "late_trials": late_trials,
        "late_trials_upper95": clopper_pearson(late_trials, n).high if n else 1.0,
        "late_items_upper95": clopper_pearson(late, items).high if items else 1.0,
        "max_lag_ms": max((x for t in trials for x in t.lags_s), default=0.0) * 1000,
        "window_s": max((t.window_s for t in trials), default=0.0),
        "missed_by_window": sum(t.missed_by_window for t in trials),
        "missed_trials": missed_trials,
        "missed_trials_upper95": clopper_pearson(missed_trials, n).high if n else 1.0,
        "not_quiet": sum(1 for t in trials if not t.window_quiet),
        "sentinel_missing": sum(1 for t in trials if not t.sentinel_arrived),
        "latency_p50_ms": quantile(latencies, 0.5) * 1000 if latencies else None,
        "latency_p95_ms": quantile(latencies, 0.95) * 1000 if latencies else None,
        "others_after": dict(others),
        "sentinel_transactions": sum(t.sentinel_transactions for t in trials),
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"\n{'SDK':<16} {'trials':>6} {'items':>6} {'late (in flight)':>17} {'trials late':>12} {'≤ 95%':>7}"
        f" {'max lag':>8} {'window':>7} {'missed (trials, ≤ 95%)':>23} {'sentinel p50/p95':>17} {'lost':>5}"
    )
    for r in rows:
        p50 = "-" if r["latency_p50_ms"] is None else f"{r['latency_p50_ms']:.0f}"
        p95 = "-" if r["latency_p95_ms"] is None else f"{r['latency_p95_ms']:.0f}"
        print(
            f"{r['sdk']:<16} {r['trials']:>6} {r['items']:>6} {r['late']:>9} ({r['late_in_flight']:>3})"
            f" {r['late_trials']:>5} of {r['trials']:<3} {r['late_trials_upper95'] * 100:>6.1f}%"
            f" {r['max_lag_ms']:>6.0f}ms {r['window_s']:>5g} s {r['missed_by_window']:>7} ({r['missed_trials']:>2},"
            f" {r['missed_trials_upper95'] * 100:>5.1f}%) {p50:>9}/{p95:<4} ms {r['sentinel_missing']:>4}"
        )
    for r in rows:
        print(
            f"  {r['sdk']}: late items by type {r['late_types'] or '-'}"
            f" (per item ≤ {r['late_items_upper95'] * 100:.2f}%); windows never quiet {r['not_quiet']};"
            f" other types stored after the sentinel {r['others_after'] or '-'};"
            f" sentinel transactions kept {r['sentinel_transactions']}"
        )


def run_sdk(ingest: IngestClient, key: str, args: argparse.Namespace, tmp: Path) -> tuple[list[Trial], list[StopTrial]]:
    """``args.trials`` ordering trials on one SDK, then (servers) ``args.stop_trials`` stop-signal trials."""
    sdk, name = SDKS[key]
    window = SETTLE_S[sdk] if args.settle is None else args.settle
    print(f"\n== {sdk} ({name}), quiescence window {window:g} s", flush=True)
    if key == "browser":
        with a_target(ingest, name, BROWSER_ENV, tmp / key) as (target, _, page_project), chromium() as browser:
            trials = repeat(args.trials, lambda: browser_trial(browser, target, page_project, window, args), sdk)
            return trials, []
    with a_target(ingest, name, SERVER_ENV, tmp / key) as (target, server, _):
        trials = repeat(args.trials, lambda: server_trial(target, server, sdk, window, args), sdk)
    stops = []
    server = ProjectHandle(ingest, ingest.create_project(f"{name} stop server"))
    page_project = ProjectHandle(ingest, ingest.create_project(f"{name} stop browser"))
    for k in range(args.stop_trials):
        st = stop_trial(ingest, name, server, page_project, sdk, args, tmp / f"{key}-stop-{k}")
        stops.append(st)
        print(
            f"  stop {k + 1}/{args.stop_trials}: stored {st.stored} {st.by_type}, exit {st.exit_code}"
            f" after {st.stop_s:.2f} s",
            flush=True,
        )
    return trials, stops


def print_stops(rows: list[dict[str, Any]], stops: list[StopTrial]) -> None:
    print(
        f"\n{'SDK':<16} {'stop trials':>11} {'stored per trial':>18} {'short of the ordering trials':>30}"
        f" {'exit codes':>12} {'stop p50/p95':>14}"
    )
    for row in rows:
        mine = [s for s in stops if s.sdk == row["sdk"]]
        if not mine:
            continue
        want = round(row["items"] / row["trials"]) if row["trials"] else 0
        short = sum(1 for s in mine if s.stored < want)
        secs = [s.stop_s for s in mine]
        print(
            f"{row['sdk']:<16} {len(mine):>11} {min(s.stored for s in mine):>8}..{max(s.stored for s in mine):<8}"
            f" {short:>14} of {len(mine)} (want {want})"
            f" {sorted({s.exit_code for s in mine})!s:>12} {quantile(secs, 0.5):>6.2f}/{quantile(secs, 0.95):.2f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--sdk", nargs="+", choices=list(SDKS), default=list(SDKS))
    parser.add_argument("--logins", type=int, default=8, help="traced requests per server trial")
    parser.add_argument("--errors", type=int, default=4, help="failing requests (error + transaction) per server trial")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--navs", type=int, default=2, help="router round trips per browser trial")
    parser.add_argument("--page-errors", type=int, default=6, help="errors the page raises per browser trial")
    parser.add_argument(
        "--page-burst", action="store_true", help="raise the page's errors and the sentinel in one task (no clicks)"
    )
    parser.add_argument(
        "--settle", type=float, help="the quiescence window after the sentinel (default: SETTLE_S of the SDK)"
    )
    parser.add_argument("--stop-trials", type=int, default=10, help="stop-signal trials per server SDK (0: none)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (1 <= args.trials <= 1000 and 0 <= args.stop_trials <= 200):
        parser.error("--trials must be 1..1000 and --stop-trials 0..200")

    started = time.monotonic()
    print(f"load average {os.getloadavg()[0]:.2f} at the start; {vars(args)}", flush=True)
    rows: list[dict[str, Any]] = []
    all_trials: list[dict[str, Any]] = []
    stops: list[StopTrial] = []
    with tempfile.TemporaryDirectory() as tmp:
        ingest_proc = start_ingest(Path(tmp) / "ingest")
        try:
            with IngestClient(ingest_proc.url) as ingest:
                for key in args.sdk:
                    trials, sdk_stops = run_sdk(ingest, key, args, Path(tmp))
                    rows.append(summarise(SDKS[key][0], trials))
                    all_trials += [asdict(t) for t in trials]
                    stops += sdk_stops
        finally:
            ingest_proc.stop()

    print_table(rows)
    if stops:
        print_stops(rows, stops)
    print(f"\nwall time {time.monotonic() - started:.0f} s, load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        report = {"args": {k: str(v) for k, v in vars(args).items()}, "summary": rows, "trials": all_trials}
        args.json.write_text(json.dumps({**report, "stops": [asdict(s) for s in stops]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
