"""Production checks as pure functions: measured figures in, one `CheckResult` out.

Every summary names the measured value that decided the verdict, so a failing suite test reads
``production.sampling.server-traces-rate: server traces sample rate 0.9620 (…)``. Absence is never
a pass on its own: each "nothing was sent" check takes a positive control and answers INCONCLUSIVE
without one. The checks of one event's quality (frames, request context, grouping) are
`harness.production.quality`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.ingest import StoredItem
from harness.production.items import RootTrace
from harness.results import CheckResult, Verdict
from harness.stats import decide_rate

__all__ = [
    "attach_stacktrace",
    "declared_rate",
    "delivery",
    "dsn_removed",
    "environment_on_items",
    "filtered",
    "gate_routes_closed",
    "kill_switch",
    "max_breadcrumbs",
    "monitoring_shape",
    "no_noise",
    "not_over_filtered",
    "profiles_rate",
    "release_on_items",
    "release_valid",
    "sending",
    "server_traces_rate",
    "stack_frames",
]

# Item types whose payload states a release and an environment (sessions in `attrs`).
RELEASE_CARRIERS = ("event", "transaction", "session", "sessions", "replay_event")
# What a rollback to rate 0 must stop; errors, sessions, client reports and replay-on-error may go on.
TRACED_TYPES = ("transaction", "span", "profile", "profile_chunk")


def _result(check_id: str, verdict: Verdict, summary: str, **evidence: Any) -> CheckResult:
    return CheckResult(check_id=check_id, verdict=verdict, summary=summary, evidence=evidence)


# ---- sampling -------------------------------------------------------------------------------------
def server_traces_rate(
    check_id: str,
    *,
    roots: int,
    lost_after_sampling: int,
    requests: int,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
) -> CheckResult:
    """Sampled root traces over requests made, each request its own trace.

    A trace the SDK sampled but then lost (queue overflow, network error; counted in client reports)
    still counts as sampled: sampling is what this check measures, delivery is another.
    """
    k = min(roots + lost_after_sampling, requests)
    decision = decide_rate(k, requests, expected, tolerance, level=level)
    what = f"server traces sample rate in {environment}"
    return CheckResult(
        check_id=check_id,
        verdict=decision.verdict,
        summary=decision.summary(what),
        evidence={**decision.evidence, "received_roots": roots, "lost_after_sampling": lost_after_sampling},
    )


def declared_rate(check_id: str, roots: Mapping[str, RootTrace], expected: float, environment: str) -> CheckResult:
    """Every root trace declares ``sample_rate == expected`` in its envelope's trace header."""
    declared = Counter("absent" if r.declared_rate is None else f"{r.declared_rate:g}" for r in roots.values())
    wrong = {rate: n for rate, n in declared.items() if rate == "absent" or abs(float(rate) - expected) > 1e-9}
    evidence = {"declared": dict(declared), "expected": expected, "traces": len(roots)}
    if not roots:
        return _result(check_id, Verdict.INCONCLUSIVE, f"no root trace arrived in {environment} to read", **evidence)
    if wrong:
        return _result(
            check_id,
            Verdict.FAIL,
            f"declared sample_rate {dict(wrong)} in {sum(wrong.values())} of {len(roots)} trace headers in"
            f" {environment}, expected {expected:g}",
            **evidence,
        )
    return _result(
        check_id, Verdict.PASS, f"all {len(roots)} trace headers declare sample_rate {expected:g}", **evidence
    )


# ---- release and environment ----------------------------------------------------------------------
def _stated(item: StoredItem, key: str) -> Any:
    try:
        payload = item.json()
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if item.type in ("session", "sessions"):
        return (payload.get("attrs") or {}).get(key)
    return payload.get(key)


def _carriers(items: Iterable[StoredItem]) -> list[StoredItem]:
    return [i for i in items if i.type in RELEASE_CARRIERS]


def environment_on_items(check_id: str, items: Sequence[StoredItem], expected: str) -> CheckResult:
    carriers = _carriers(items)
    seen = Counter(f"{i.type}:{_stated(i, 'environment')}" for i in carriers)
    wrong = {k: n for k, n in seen.items() if not k.endswith(f":{expected}")}
    evidence = {"expected": expected, "seen": dict(seen)}
    if not carriers:
        return _result(check_id, Verdict.INCONCLUSIVE, "no event, transaction or session arrived to read", **evidence)
    if wrong:
        return _result(
            check_id,
            Verdict.FAIL,
            f"environment {dict(wrong)} on {sum(wrong.values())} of {len(carriers)} items, expected {expected!r}",
            **evidence,
        )
    return _result(check_id, Verdict.PASS, f"all {len(carriers)} items carry environment {expected!r}", **evidence)


def release_on_items(
    check_id: str, items: Sequence[StoredItem], expected: str, *, release_health: bool = True
) -> CheckResult:
    """Every event, transaction and session states ``expected``; with ``release_health`` (the target file's
    ``expect.release_health``) a session must have arrived too, since release health needs one."""
    carriers = _carriers(items)
    seen = Counter(f"{i.type}:{_stated(i, 'release')}" for i in carriers)
    wrong = {k: n for k, n in seen.items() if not k.endswith(f":{expected}")}
    types = {i.type for i in carriers}
    evidence = {"expected": expected, "seen": dict(seen), "types": sorted(types)}
    if not carriers:
        return _result(check_id, Verdict.INCONCLUSIVE, "no event, transaction or session arrived to read", **evidence)
    if wrong:
        return _result(
            check_id,
            Verdict.FAIL,
            f"release {dict(wrong)} on {sum(wrong.values())} of {len(carriers)} items, expected {expected!r}",
            **evidence,
        )
    if release_health and not types & {"session", "sessions"}:
        return _result(
            check_id, Verdict.FAIL, "release set on every item but no session arrived: no release health", **evidence
        )
    return _result(
        check_id, Verdict.PASS, f"all {len(carriers)} items ({', '.join(sorted(types))}) carry {expected!r}", **evidence
    )


def release_valid(check_id: str, release: str | None) -> CheckResult:
    """The release string as Relay parses it (`sentry_relay.parse_release`)."""
    from sentry_relay.exceptions import RelayError
    from sentry_relay.processing import parse_release

    if not release:
        return _result(check_id, Verdict.FAIL, f"release {release!r} is empty", release=release)
    try:
        parsed = parse_release(release)
    except RelayError as exc:
        return _result(
            check_id,
            Verdict.FAIL,
            f"release {release!r} rejected by Relay: {str(exc).splitlines()[0]}",
            release=release,
        )
    return _result(
        check_id,
        Verdict.PASS,
        f"release {release!r} is valid (package {parsed.get('package')!r}, version {parsed.get('version_raw')!r})",
        release=release,
        parsed={"package": parsed.get("package"), "version_raw": parsed.get("version_raw")},
    )


# ---- sending, breadcrumbs, kill switch ------------------------------------------------------------
def sending(
    check_id: str, *, expected_sends: bool, received: int, control_received: int | None, environment: str
) -> CheckResult:
    """Sending on or off as the environment says; "off" needs a control that did send the same traffic."""
    evidence = {"expected_sends": expected_sends, "received": received, "control_received": control_received}
    if expected_sends:
        if received > 0:
            return _result(check_id, Verdict.PASS, f"{received} items sent in {environment}", **evidence)
        return _result(check_id, Verdict.FAIL, f"0 items sent in {environment}, which must send", **evidence)
    if received > 0:
        return _result(
            check_id, Verdict.FAIL, f"{received} items sent in {environment}, which must stay silent", **evidence
        )
    if not control_received:
        return _result(check_id, Verdict.INCONCLUSIVE, "nothing sent, but the control sent nothing either", **evidence)
    return _result(
        check_id,
        Verdict.PASS,
        f"0 items sent in {environment} after the flush; the control sent {control_received}",
        **evidence,
    )


def max_breadcrumbs(check_id: str, event: Mapping[str, Any] | None, limit: int, added: int) -> CheckResult:
    if event is None:
        return _result(check_id, Verdict.INCONCLUSIVE, "the error carrying the breadcrumbs did not arrive", limit=limit)
    crumbs = event.get("breadcrumbs") or []
    values = crumbs.get("values", []) if isinstance(crumbs, dict) else crumbs
    count = len(values)
    evidence = {"breadcrumbs": count, "limit": limit, "added": added}
    if count > limit:
        return _result(
            check_id, Verdict.FAIL, f"{count} breadcrumbs on the event, maxBreadcrumbs is {limit}", **evidence
        )
    if count < limit:
        return _result(
            check_id,
            Verdict.FAIL,
            f"{count} breadcrumbs on the event after adding {added}, expected {limit}",
            **evidence,
        )
    return _result(
        check_id, Verdict.PASS, f"{count} breadcrumbs kept of {added} added (maxBreadcrumbs {limit})", **evidence
    )


def kill_switch(check_id: str, items: Sequence[StoredItem], control_errors: int) -> CheckResult:
    traced = Counter(i.type for i in items if i.type in TRACED_TYPES)
    evidence = {"traced": dict(traced), "control_errors": control_errors}
    if traced:
        return _result(
            check_id,
            Verdict.FAIL,
            f"{sum(traced.values())} traced items ({dict(traced)}) sent with every rate override at 0",
            **evidence,
        )
    if control_errors < 1:
        return _result(
            check_id, Verdict.INCONCLUSIVE, "no traced item, but the control error did not arrive", **evidence
        )
    return _result(
        check_id, Verdict.PASS, f"0 traced items with rates at 0; {control_errors} control error(s) arrived", **evidence
    )


def dsn_removed(
    check_id: str, items: Sequence[StoredItem], flush_answer: Mapping[str, Any], fault_status: int
) -> CheckResult:
    kinds = Counter(i.type for i in items)
    evidence = {"items": dict(kinds), "flush": dict(flush_answer), "fault_status": fault_status}
    if items:
        return _result(
            check_id, Verdict.FAIL, f"{len(items)} items ({dict(kinds)}) sent with the DSN removed", **evidence
        )
    if fault_status != 500:
        return _result(
            check_id, Verdict.INCONCLUSIVE, f"the control fault answered {fault_status}, not 500", **evidence
        )
    return _result(
        check_id, Verdict.PASS, "0 items with the DSN removed; the fault ran (500) and the flush answered", **evidence
    )


# ---- filters ------------------------------------------------------------------------------------
def filtered(
    check_id: str,
    *,
    what: str,
    leaked: Sequence[str],
    sent: int,
    control: int,
    reported: int,
) -> CheckResult:
    """``sent`` requests that the filter must drop; ``leaked`` names what arrived anyway; ``control`` the
    comparable items that did arrive; ``reported`` the client reports' ``before_send`` discards."""
    evidence = {
        "sent": sent,
        "leaked": len(leaked),
        "leaked_names": sorted(set(leaked))[:10],
        "control": control,
        "client_report_before_send": reported,
    }
    if leaked:
        return _result(check_id, Verdict.FAIL, f"{len(leaked)} {what} arrived of {sent} sent, expected 0", **evidence)
    if control < 1:
        return _result(check_id, Verdict.INCONCLUSIVE, f"0 {what}, but the control did not arrive", **evidence)
    if reported < sent:
        return _result(
            check_id,
            Verdict.FAIL,
            f"0 {what} arrived but client reports show {reported} before_send discards for {sent} dropped",
            **evidence,
        )
    return _result(
        check_id,
        Verdict.PASS,
        f"0 {what} of {sent} sent; control arrived ({control}); {reported} before_send discards reported",
        **evidence,
    )


def not_over_filtered(check_id: str, *, arrived: int, sent: int, what: str) -> CheckResult:
    evidence = {"arrived": arrived, "sent": sent}
    if arrived < sent:
        return _result(
            check_id, Verdict.FAIL, f"{arrived} of {sent} {what} arrived: the filters dropped real errors", **evidence
        )
    return _result(check_id, Verdict.PASS, f"{arrived} of {sent} {what} arrived", **evidence)


def no_noise(check_id: str, noise: Sequence[str], *, probes: int, control: bool) -> CheckResult:
    """Monitoring probes leave no error and no health/metrics transaction behind."""
    evidence = {"probes": probes, "noise": len(noise), "noise_items": sorted(set(noise))[:10]}
    if noise:
        return _result(
            check_id,
            Verdict.FAIL,
            f"{len(noise)} items from {probes} monitoring probes: {sorted(set(noise))[:5]}",
            **evidence,
        )
    if not control:
        return _result(check_id, Verdict.INCONCLUSIVE, "no noise, but the monitoring routes did not answer", **evidence)
    return _result(check_id, Verdict.PASS, f"0 events or health/metrics transactions from {probes} probes", **evidence)


def gate_routes_closed(check_id: str, statuses: Mapping[str, int]) -> CheckResult:
    opened = {k: v for k, v in statuses.items() if v != 404}
    if opened:
        return _result(
            check_id,
            Verdict.FAIL,
            f"gate routes answered {opened} without a valid token, expected 404",
            statuses=dict(statuses),
        )
    return _result(
        check_id, Verdict.PASS, f"all {len(statuses)} unauthenticated gate calls answered 404", statuses=dict(statuses)
    )


# ---- monitoring endpoints -------------------------------------------------------------------------
def _type_errors(body: Any, spec: Mapping[str, Any], path: str = "$") -> list[str]:
    if not isinstance(body, dict):
        return [f"{path} is {type(body).__name__}, not an object"]
    errors = []
    for key, want in spec.items():
        if key not in body:
            errors.append(f"{path}.{key} missing")
            continue
        value = body[key]
        if isinstance(want, dict):
            errors += _type_errors(value, want, f"{path}.{key}")
        elif isinstance(want, tuple):
            if not isinstance(value, want) or (isinstance(value, bool) and bool not in want):
                errors.append(f"{path}.{key} is {value!r}")
        elif value != want:
            errors.append(f"{path}.{key} is {value!r}, expected {want!r}")
    return errors


def monitoring_shape(
    check_id: str,
    route: str,
    status: int,
    body: Any,
    *,
    release: str | None,
    environment: str,
    enabled: bool,
    last_event_id: str | None = None,
) -> CheckResult:
    """The route's documented answer. ``last_event_id``: the id of the error the app sent just before
    (as the ingest stored it), which ``/monitoring/sentry-health`` must name as ``lastEvent``: the
    endpoint's promise that it shows the SDK's state, not a clock."""
    number = (int, float)
    specs: dict[str, dict[str, Any]] = {
        "/monitoring/health": {
            "status": "healthy",
            "timestamp": (str,),
            "version": release,
            "environment": environment,
            "sentry": {"enabled": enabled, "environment": environment},
        },
        "/monitoring/sentry-health": {
            "status": "operational",
            "configuration": {"dsn": enabled, "environment": environment, "release": release},
            **({"lastEvent": last_event_id} if last_event_id is not None else {}),
        },
        "/monitoring/metrics": {"uptime": number, "memory": (dict,), "cpu": (dict,), "timestamp": (str,)},
    }
    errors = [] if status == 200 else [f"status {status}"]
    errors += _type_errors(body, specs[route])
    evidence: dict[str, Any] = {"route": route, "status": status, "errors": errors}
    if last_event_id is not None and route == "/monitoring/sentry-health":
        evidence["last_event_id"] = last_event_id
    if errors:
        return _result(check_id, Verdict.FAIL, f"{route}: {'; '.join(errors)}", **evidence)
    named = f", naming the last sent error {last_event_id}" if "last_event_id" in evidence else ""
    return _result(check_id, Verdict.PASS, f"{route} answers the documented shape{named}", **evidence)


# ---- delivery -------------------------------------------------------------------------------------
def delivery(
    check_id: str, *, injected: int, received: int, accounted: Mapping[str, int], threshold: float = 0.999
) -> CheckResult:
    """Received over injected; the missing must all be accounted for by client reports, which never make
    up for delivery: PASS needs both ≥ threshold received and nothing unaccounted."""
    missing = injected - received
    accounted_total = sum(accounted.values())
    unaccounted = max(0, missing - accounted_total)
    ratio = received / injected if injected else 0.0
    evidence = {
        "injected": injected,
        "received": received,
        "ratio": round(ratio, 6),
        "accounted_by_reason": dict(accounted),
        "unaccounted": unaccounted,
        "threshold": threshold,
    }
    text = (
        f"received {received}/{injected} = {ratio:.4%}; accounted by reason {dict(accounted) or '{}'};"
        f" unaccounted {unaccounted}"
    )
    if injected == 0:
        return _result(check_id, Verdict.INCONCLUSIVE, "nothing injected", **evidence)
    ok = ratio >= threshold and unaccounted == 0
    return _result(
        check_id,
        Verdict.PASS if ok else Verdict.FAIL,
        text + (f" (needs ≥ {threshold:.1%} and 0 unaccounted)" if not ok else ""),
        **evidence,
    )


# ---- the page's Sentry.init options, read from what it sends ----------------------------------------
def stack_frames(event: Mapping[str, Any] | None) -> int:
    """How many stack frames an event carries, wherever an SDK puts a message's synthetic stack: the
    browser SDK in ``exception.values[].stacktrace`` (mechanism synthetic), others in ``threads`` or a
    top-level ``stacktrace``."""
    if not event:
        return 0
    values: list[Any] = []
    for key in ("exception", "threads"):
        part = event.get(key)
        if isinstance(part, Mapping):
            values += list(part.get("values") or [])
    frames = 0
    for holder in [*values, event]:
        stack = holder.get("stacktrace") if isinstance(holder, Mapping) else None
        if isinstance(stack, Mapping):
            frames += len(stack.get("frames") or [])
    return frames


def attach_stacktrace(check_id: str, event: Mapping[str, Any] | None, expected: bool) -> CheckResult:
    """A message captured with ``captureMessage`` carries a stack trace exactly when ``attachStacktrace`` is
    promised on (the SDK adds one to a message only then; an exception always has one, so it proves nothing)."""
    if event is None:
        return _result(check_id, Verdict.INCONCLUSIVE, "the captured message did not arrive", expected=expected)
    frames = stack_frames(event)
    evidence = {"frames": frames, "expected": expected}
    promised = f"attachStacktrace is promised {'true' if expected else 'false'}"
    if expected and frames == 0:
        return _result(check_id, Verdict.FAIL, f"a captured message carries 0 stack frames; {promised}", **evidence)
    if not expected and frames > 0:
        return _result(
            check_id, Verdict.FAIL, f"a captured message carries {frames} stack frames; {promised}", **evidence
        )
    return _result(
        check_id, Verdict.PASS, f"a captured message carries {frames} stack frames, as {promised}", **evidence
    )


def profiles_rate(
    check_id: str,
    *,
    profiled: int,
    traced: int,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
    unit: str = "transaction",
) -> CheckResult:
    """The share of traced units that brought a profile, against ``profiles_sample_rate``: a Wilson
    interval at ``level``, decided as the traces rate check decides. ``unit`` is what one profiling
    decision covers: a sampled ``transaction`` (transaction profiling), or a ``process`` (a profiling
    session sampled once when the SDK starts, so only process starts measure its rate)."""
    k = min(profiled, traced)
    decision = decide_rate(k, traced, expected, tolerance, level=level)
    return CheckResult(
        check_id=check_id,
        verdict=decision.verdict,
        summary=decision.summary(f"server profiles sample rate in {environment} (per {unit})"),
        evidence={**decision.evidence, "profiled": profiled, "traced": traced, "unit": unit},
    )
