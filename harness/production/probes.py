"""Probes: drive a running target, collect what its SDK sent, and turn it into production check results.

Each probe is one measurement that a suite test (full size) and a self-test (small but decisive)
share. Probes only read and send through the target's public routes and its gate routes (marker
header, fault and flush routes); every "nothing was sent" is read after the target's flush and
beside a positive control.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from harness.production import checks, quality
from harness.production.drive import burst, collect, new_marker, same_requests, wait_marked
from harness.production.items import discarded, lost_after_sampling, marked_items, root_traces, tags_of
from harness.results import CheckResult
from harness.targets.target import Target

__all__ = [
    "DELIVERY_RATE",
    "SAMPLED_ROUTE",
    "probe_breadcrumbs",
    "probe_delivery",
    "probe_dsn_removed",
    "probe_event_quality",
    "probe_gate_routes",
    "probe_health_errors",
    "probe_health_transactions",
    "probe_identity",
    "probe_kill_switch",
    "probe_monitoring",
    "probe_profiles_rate_processes",
    "probe_profiles_rate_transactions",
    "probe_profiling",
    "probe_sending",
    "probe_server_traces",
    "profiling_unit",
]

# A client route: cheap (the built index.html), answered 200 (Node drops 401/404/3xx transactions),
# not filtered by any beforeSendTransaction.
SAMPLED_ROUTE = "/login"
MARKER_HEADER = "X-Gate-Marker"
DELIVERY_RATE = 150.0
"""Requests per second in the delivery probe (100 errors/s and 50 ordinary requests/s): well below
either server's capacity, and about a third of what sentry-sdk's one sending thread manages here."""
# Client-report reasons that mean "sampled, then lost" (not a sampling decision, not a filter).


def _project(target: Target) -> Any:
    if target.server_project is None:
        raise RuntimeError(f"{target.name} has no server project")
    return target.server_project


def probe_server_traces(
    target: Target, *, requests: int, expected: float, tolerance: float, level: float, environment: str
) -> tuple[CheckResult, CheckResult]:
    """``requests`` root traces on `SAMPLED_ROUTE`; the sampled share, and the rate each trace declares."""
    marker = new_marker("traces")
    statuses = burst(target, same_requests(requests, SAMPLED_ROUTE, {MARKER_HEADER: marker}))
    items = collect(target)
    roots = root_traces(items, marker)
    lost = lost_after_sampling(items, "transaction")
    answered = statuses.get(200, 0)
    rate = checks.server_traces_rate(
        "production.sampling.server-traces-rate",
        roots=len(roots),
        lost_after_sampling=lost,
        requests=answered,
        expected=expected,
        tolerance=tolerance,
        level=level,
        environment=environment,
    )
    declared = checks.declared_rate("production.sampling.declared-rate", roots, expected, environment)
    return rate, declared


def _error_traffic(target: Target, marker: str) -> None:
    """One error, a few ordinary requests, then the SDK's flush."""
    target.fault("throw", marker, breadcrumbs=3)
    burst(target, same_requests(5, SAMPLED_ROUTE, {MARKER_HEADER: marker}), concurrency=2)


def probe_identity(target: Target, *, environment: str, release: str | None) -> list[CheckResult]:
    """Environment and release on every item the server sent, and the release string Relay accepts."""
    marker = new_marker("identity")
    _error_traffic(target, marker)
    wait_marked(_project(target), marker)
    items = collect(target)
    out = [checks.environment_on_items("production.config.environment", items, environment)]
    out.append(checks.release_on_items("production.release.every-item", items, release or ""))
    out.append(checks.release_valid("production.release.valid", release))
    return out


def probe_sending(
    target: Target, *, environment: str, expected_sends: bool, control_received: int | None
) -> tuple[CheckResult, int]:
    """The same error traffic; how many items arrived after the flush. Returns the result and the count."""
    marker = new_marker("sending")
    _error_traffic(target, marker)
    if expected_sends:
        wait_marked(_project(target), marker)
    items = collect(target)
    check_id = "production.config.sending" if expected_sends else "production.config.development-silent"
    result = checks.sending(
        check_id,
        expected_sends=expected_sends,
        received=len(items),
        control_received=control_received,
        environment=environment,
    )
    return result, len(items)


def probe_breadcrumbs(target: Target, *, limit: int) -> CheckResult:
    marker = new_marker("crumbs")
    added = 2 * limit + 20  # beyond the limit, and beyond a doubled one
    target.fault("throw", marker, breadcrumbs=added)
    found = wait_marked(_project(target), marker)
    return checks.max_breadcrumbs("production.config.max-breadcrumbs", found[0].json() if found else None, limit, added)


def probe_kill_switch(target: Target, *, requests: int = 40) -> CheckResult:
    """Target started with every rate override at 0: traced traffic, then a control error."""
    marker = new_marker("kill")
    burst(target, same_requests(requests, SAMPLED_ROUTE, {MARKER_HEADER: marker}))
    target.fault("throw", marker)
    errors = wait_marked(_project(target), marker)
    items = collect(target)
    return checks.kill_switch("production.rollback.kill-switch", items, len(errors))


def probe_dsn_removed(target: Target) -> CheckResult:
    """Target started without ``SENTRY_DSN``: an error and traffic, then the flush; nothing may arrive."""
    marker = new_marker("nodsn")
    status = target.fault("throw", marker).status_code
    burst(target, same_requests(20, SAMPLED_ROUTE, {MARKER_HEADER: marker}))
    answer = target.flush()
    items = _project(target).items()
    return checks.dsn_removed("production.rollback.dsn-removed", items, answer, status)


def probe_health_transactions(target: Target, *, requests: int = 30) -> list[CheckResult]:
    """Target traced at rate 1: monitoring probes must leave no transaction; an ordinary route must."""
    marker = new_marker("healthtx")
    headers = {MARKER_HEADER: marker}
    half = requests // 2
    burst(
        target,
        same_requests(half, "/monitoring/health", headers)
        + same_requests(requests - half, "/monitoring/metrics", headers),
    )
    burst(target, same_requests(3, SAMPLED_ROUTE, headers))
    items = collect(target)
    tx = marked_items(items, marker, ("transaction",))
    names = [str(i.json().get("transaction") or "") for i in tx]
    leaked = [n for n in names if "/health" in n or "/metrics" in n]
    control = len(names) - len(leaked)
    reported = sum(q for (reason, _), q in discarded(items, "transaction").items() if reason == "before_send")
    return [
        checks.filtered(
            "production.filters.health-transactions",
            what="health/metrics transactions",
            leaked=leaked,
            sent=requests,
            control=control,
            reported=reported,
        )
    ]


def probe_health_errors(target: Target, *, requests: int = 5) -> list[CheckResult]:
    """Production: errors raised on ``/monitoring/health`` are dropped (and reported); a real error on a
    route with "health" in a query value is not (the not-over-filtering control)."""
    marker = new_marker("healtherr")
    headers = {MARKER_HEADER: marker, "X-Gate-Fault": "throw", **target.gate_headers()}
    burst(target, same_requests(requests, "/monitoring/health", headers), concurrency=2)
    control_marker = new_marker("healthq")
    burst(target, same_requests(requests, "/api/fail?probe=health", {MARKER_HEADER: control_marker}), concurrency=2)
    controls = wait_marked(_project(target), control_marker, count=requests)
    items = collect(target)
    events = marked_items(items, marker, ("event",))
    leaked = [str((e.json().get("request") or {}).get("url") or "") for e in events]
    reported = sum(q for (reason, _), q in discarded(items, "error").items() if reason == "before_send")
    return [
        checks.filtered(
            "production.filters.health-errors",
            what="errors from /monitoring/health",
            leaked=leaked,
            sent=requests,
            control=len(controls),
            reported=reported,
        ),
        checks.not_over_filtered(
            "production.filters.not-over-filtering",
            arrived=len(controls),
            sent=requests,
            what="errors on /api/fail?probe=health",
        ),
    ]


def probe_monitoring(target: Target, *, environment: str, release: str | None, enabled: bool) -> list[CheckResult]:
    """The three routes' answers (``/monitoring/sentry-health`` read after an error the app sent, which it
    must name as its last event), then their noise."""
    marker = new_marker("monitor")
    out = []
    last_event_id = None
    if enabled:
        error_marker = new_marker("lastevent")
        target.fault("throw", error_marker)
        sent = wait_marked(_project(target), error_marker)
        last_event_id = str(sent[0].json().get("event_id")) if sent else None
    for route, check_id in (
        ("/monitoring/health", "production.monitoring.health"),
        ("/monitoring/sentry-health", "production.monitoring.sentry-health"),
        ("/monitoring/metrics", "production.monitoring.metrics"),
    ):
        response = target.http.get(route, headers={MARKER_HEADER: marker})
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:200]
        out.append(
            checks.monitoring_shape(
                check_id,
                route,
                response.status_code,
                body,
                release=release,
                environment=environment,
                enabled=enabled,
                last_event_id=last_event_id,
            )
        )
    # Noise: a burst of probes, then the flush; no error, no health/metrics transaction may come of them.
    burst(target, same_requests(20, "/monitoring/health", {MARKER_HEADER: marker}))
    burst(target, same_requests(20, "/monitoring/metrics", {MARKER_HEADER: marker}))
    items = collect(target)
    noise = [
        f"{i.type}:{i.json().get('transaction') or ''}"
        for i in marked_items(items, marker, ("event", "transaction"))
        if i.type == "event"
        or "/health" in str(i.json().get("transaction"))
        or "/metrics" in str(i.json().get("transaction"))
    ]
    out.append(checks.no_noise("production.monitoring.no-noise", noise, probes=40, control=out[0].passed))
    return out


def probe_gate_routes(target: Target) -> CheckResult:
    statuses = {}
    for path in ("/__gate/fault", "/__gate/flush"):
        for label, headers in (("no token", {}), ("wrong token", {"X-Gate-Token": "not-the-token"})):
            response = target.http.post(path, headers=headers, json={"kind": "throw", "marker": "gate-routes"})
            statuses[f"POST {path} ({label})"] = response.status_code
    return checks.gate_routes_closed("production.surface.gate-routes", statuses)


def probe_event_quality(target: Target) -> list[CheckResult]:
    """The same error twice: quality of the first, and equal grouping inputs."""
    markers = [new_marker("quality"), new_marker("quality")]
    events = []
    for marker in markers:
        target.http.get("/monitoring/sentry-health", headers={MARKER_HEADER: marker})
        target.fault("throw", marker, breadcrumbs=3)
    for marker in markers:
        found = wait_marked(_project(target), marker)
        events.append(found[0].json() if found else None)
    if events[0] is None or events[1] is None:
        raise AssertionError(f"{target.name}: the quality errors did not arrive ({markers})")
    out = quality.event_quality_checks(events[0])
    out.append(quality.grouping_stable("production.quality.grouping", events[0], events[1]))
    return out


def probe_profiling(target: Target, *, requests: int = 20, query: str = "profile") -> CheckResult:
    """Target traced and profiled at rate 1: a profile or profile chunk must arrive after the flush.

    ``query`` is the search sent upstream: ``fault:slow:<ms>`` makes the fake Spotify hold each call, so
    every transaction outlasts the profiler's minimum (sentry-python drops a profile of fewer than two
    samples, 10 ms apart, as ``insufficient_data``)."""
    from harness.results import Verdict

    marker = new_marker("profile")
    burst(
        target,
        same_requests(
            requests, f"/api/spotify/search?q={query}", {MARKER_HEADER: marker, "Authorization": "Bearer gate"}
        ),
    )
    items = collect(target)
    profiles = [i for i in items if i.type in ("profile", "profile_chunk")]
    tx = marked_items(items, marker, ("transaction",))
    evidence = {"profiles": len(profiles), "transactions": len(tx)}
    if profiles:
        return CheckResult(
            "production.profiling.enabled",
            Verdict.PASS,
            f"{len(profiles)} profiles for {len(tx)} transactions",
            evidence,
        )
    if not tx:
        return CheckResult(
            "production.profiling.enabled", Verdict.INCONCLUSIVE, "no transaction arrived either", evidence
        )
    return CheckResult(
        "production.profiling.enabled",
        Verdict.FAIL,
        f"0 profiles for {len(tx)} traced transactions at rate 1",
        evidence,
    )


PROFILED_QUERY = "fault:slow:100"
"""The search each profiled request sends upstream: the fake Spotify holds it 100 ms, so every
transaction outlasts the profilers' minimum (sentry-python drops a profile of fewer than two samples)."""


def _profiled_traffic(target: Target, marker: str, requests: int, concurrency: int = 8) -> list[Any]:
    headers = {MARKER_HEADER: marker, "Authorization": "Bearer gate"}
    burst(target, same_requests(requests, f"/api/spotify/search?q={PROFILED_QUERY}", headers), concurrency=concurrency)
    return collect(target)


def profiling_unit(target: Target) -> str | None:
    """What one profiling decision covers, read from an app started with traces and profiles at 1:
    ``transaction`` when it sends ``profile`` items (transaction profiling: sentry-python's
    ``profiles_sample_rate``), ``process`` when it sends profile chunks (a profiling session sampled once
    when the SDK starts: @sentry/node's ``profileSessionSampleRate``); None when it sends neither."""
    types = {i.type for i in _profiled_traffic(target, new_marker("profunit"), 5)}
    if "profile_chunk" in types:
        return "process"
    if "profile" in types:
        return "transaction"
    return None


def probe_profiles_rate_transactions(
    target: Target, *, requests: int, expected: float, tolerance: float, level: float, environment: str
) -> CheckResult:
    """Target started with traces at 1 (the override) and profiles at the environment's rate: the share of
    its ``requests`` transactions that brought a profile."""
    marker = new_marker("profrate")
    items = _profiled_traffic(target, marker, requests)
    traced = len(marked_items(items, marker, ("transaction",)))
    profiled = sum(1 for i in items if i.type == "profile")
    return checks.profiles_rate(
        "production.sampling.server-profiles-rate",
        profiled=profiled,
        traced=traced,
        expected=expected,
        tolerance=tolerance,
        level=level,
        environment=environment,
        unit="transaction",
    )


def probe_profiles_rate_processes(
    start: Callable[[], Target],
    *,
    processes: int,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
    parallel: int = 2,
) -> CheckResult:
    """``processes`` starts of the app (``start``: traces at 1, profiles at the environment's rate), each a
    profiling session sampled once: two traced requests each, then the flush; the share of processes
    whose traced requests brought a profile chunk. A process that sent no transaction is left out."""

    def one(_: int) -> tuple[bool, bool]:
        target = start()
        try:
            items = _profiled_traffic(target, new_marker("profsess"), 2, concurrency=2)
        finally:
            target.stop()
        return any(i.type == "profile_chunk" for i in items), any(i.type == "transaction" for i in items)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        runs = list(pool.map(one, range(processes)))
    return checks.profiles_rate(
        "production.sampling.server-profiles-rate",
        profiled=sum(1 for chunk, traced in runs if chunk and traced),
        traced=sum(1 for _, traced in runs if traced),
        expected=expected,
        tolerance=tolerance,
        level=level,
        environment=environment,
        unit="process",
    )


def probe_delivery(target: Target, *, errors: int, concurrency: int = 8, rate: float = DELIVERY_RATE) -> CheckResult:
    """``errors`` unique errors (each its own marker) under a load of ordinary requests; received vs injected.

    The plan's 99.9% is a promise at moderate load, so the requests arrive at a steady ``rate`` (errors
    two thirds of it). A closed-loop burst as fast as the target answers made the error rate whatever the
    machine allowed: in a full suite run on the loaded machine, sentry-sdk's 100-item queue overflowed
    (31 and 79 of 2,000 dropped as ``queue_overflow``) while the same probe alone delivered 2,000 of 2,000."""
    run = new_marker("delivery")
    markers = [f"{run}-{i:05d}" for i in range(errors)]
    headers = target.gate_headers()
    requests: list[tuple[str, str, Any, Any]] = []
    for i, marker in enumerate(markers):
        requests.append(("POST", "/__gate/fault", headers, {"kind": "throw", "marker": marker}))
        if i % 2 == 0:
            requests.append(("GET", SAMPLED_ROUTE, {MARKER_HEADER: run}, None))
    burst(target, requests, concurrency=concurrency, rate=rate)
    items = collect(target)
    wanted = set(markers)
    received: set[str] = set()
    for item in items:
        if item.type != "event":
            continue
        tag = tags_of(item.json()).get("gate.marker")
        if tag in wanted:
            received.add(str(tag))
    accounted = {reason: q for (reason, _), q in discarded(items, "error").items() if reason not in ("before_send",)}
    result = checks.delivery(
        "production.delivery.server-errors", injected=errors, received=len(received), accounted=accounted
    )
    print(
        f"delivery {target.name}: injected {errors}, received {len(received)},"
        f" accounted-by-reason {accounted}, unaccounted {result.evidence['unaccounted']}"
    )
    return result
