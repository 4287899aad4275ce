"""Server-side production checks on an app known only by its target file: delivery, filters, sending,
monitoring answers, event quality, breadcrumbs, profiling and the DSN rollback.

Like `harness.production.described`, nothing here needs a gate route: the app is reached through the
requests its ``[traffic.requests]`` declares, a request's own events are told apart by a fresh marker in its
headers (`harness.production.absence.sentinel_headers`: the ``sentry-trace`` trace id and the
``User-Agent``, which the SDK copies into the event), and "nothing arrived" is judged after the hook-free
absence handshake (the sentinel error, then the quiet window) or after the app's stop signal (the SDK
flushes on shutdown: its client reports, and everything a DSN-less or silent app might still send).

Each probe measures a check id the bundled apps' probes (`harness.production.probes`) measure through their
gate routes, with the same pure check functions (`harness.production.checks`, `harness.production.quality`),
so a report reads the same on either kind of app.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from harness.production import checks, quality
from harness.production.absence import (
    await_sentinel,
    carries,
    in_sentinel_trace,
    is_sentinel,
    sentinel_headers,
    sentinel_marker,
)
from harness.production.described import (
    SENTINEL_TIMEOUT_S,
    Traffic,
    absence_result,
    as_burst,
    request_path,
    server_project,
)
from harness.production.drive import burst
from harness.production.items import discarded
from harness.results import CheckResult, Verdict

if TYPE_CHECKING:
    from harness.ingest import StoredItem
    from harness.targetfile.model import Answer, Request, TargetFile
    from harness.targets.target import Target

__all__ = [
    "ANSWER_CHECKS",
    "DELIVERY_ERRORS",
    "DELIVERY_RATE",
    "ServerTraffic",
    "answer_problems",
    "probe_delivery",
    "probe_dsn_removed",
    "probe_max_breadcrumbs",
    "probe_monitoring",
    "probe_quality",
    "probe_sending",
    "probe_traced",
    "profiling_result",
]

ANSWER_CHECKS = {
    "health": "production.monitoring.health",
    "monitoring": "production.monitoring.metrics",
    "sentry-health": "production.monitoring.sentry-health",
}
"""The check that judges each monitoring kind's declared ``answer``."""
QUALITY_IDS = (
    "production.quality.in-app-frames",
    "production.quality.request-context",
    "production.quality.breadcrumbs",
    "production.quality.transaction",
    "production.quality.relay-normalization",
    "production.quality.grouping",
)
DELIVERY_ERRORS = 200
"""Errors the delivery probe sends. Below 1,000 the 99.9% criterion tolerates no loss at all, so any error
lost without a client report fails whatever N is; 200 keeps the probe's traffic under 3 s on a described
app (at `DELIVERY_RATE`) while still passing sentry-sdk's transport queue (100 envelopes) twice over."""
DELIVERY_RATE = 120.0
"""Requests per second (two errors to one ordinary request): moderate load, the plan's delivery promise.
Well below what the foreign shop's threaded server answers on this 2-core machine, so a loss is the SDK's."""
_MARKED = re.compile(rb"sentry-gate-sentinel/([0-9a-f]{32})")
"""The marker a request's ``User-Agent`` carries (`sentinel_headers`), as the event's request headers hold it."""
_ANY = "*"


# ---- what the file declares -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ServerTraffic:
    """The declared requests the server checks need, by name: the sentinel's `Traffic`, every error
    request, the ordinary GET requests, and the monitoring endpoints (health, monitoring, sentry-health)."""

    traffic: Traffic
    errors: tuple[tuple[str, Request], ...]
    ordinary: tuple[tuple[str, Request], ...]
    monitoring: tuple[tuple[str, Request], ...]

    @classmethod
    def of(cls, model: TargetFile) -> ServerTraffic:
        named = list(model.traffic.requests.items())
        return cls(
            traffic=Traffic.of(model),
            errors=tuple((n, r) for n, r in named if r.kind == "error"),
            ordinary=tuple(
                (n, r) for n, r in named if r.kind == "ordinary" and r.method == "GET" and r.json_body is None
            ),
            monitoring=tuple((n, r) for n, r in named if r.kind in ANSWER_CHECKS),
        )

    @property
    def plain_errors(self) -> tuple[tuple[str, Request], ...]:
        """The error requests that do not state ``breadcrumbs`` (those are the breadcrumb check's: their
        size is their point), or all of them when every one does."""
        return tuple((n, r) for n, r in self.errors if r.breadcrumbs is None) or self.errors

    @property
    def breadcrumbs(self) -> tuple[str, Request] | None:
        """The error request that states the most breadcrumbs, if any states them."""
        stated = [(n, r) for n, r in self.errors if r.breadcrumbs is not None]
        return max(stated, key=lambda nr: nr[1].breadcrumbs or 0) if stated else None


# ---- monitoring answers (pure) --------------------------------------------------------------------
def _expected(value: Any, substitutions: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for key, text in substitutions.items():
            value = value.replace("{" + key + "}", text)
    return value


def _json_problems(body: Any, spec: Mapping[str, Any], substitutions: Mapping[str, str], path: str) -> list[str]:
    if not isinstance(body, dict):
        return [f"{path} is {type(body).__name__}, not an object"]
    problems: list[str] = []
    for key, want in spec.items():
        where = f"{path}.{key}"
        if key not in body:
            problems.append(f"{where} missing")
        elif isinstance(want, dict):
            problems += _json_problems(body[key], want, substitutions, where)
        elif want == _ANY:
            continue
        else:
            expected = _expected(want, substitutions)
            got = body[key]
            # JSON has one number type, TOML two; and True == 1 in Python, never in an answer.
            same = got == expected and isinstance(got, bool) == isinstance(expected, bool)
            if not same:
                problems.append(f"{where} is {got!r}, expected {expected!r}")
    return problems


def answer_problems(
    answer: Answer,
    status: int,
    text: str,
    *,
    release: str | None,
    environment: str,
    last_event_id: str | None = None,
) -> list[str]:
    """What is wrong with a monitoring endpoint's answer, by its declared ``answer``: the status among the
    allowed ones, every declared JSON key present with its value (``{release}``, ``{environment}`` and
    ``{last_event_id}`` substituted, ``"*"`` any value, nested tables a subset), every text pattern matching
    some line. Empty: the answer keeps its declaration."""
    substitutions = {"release": release or "", "environment": environment, "last_event_id": last_event_id or ""}
    problems = [] if status in answer.status else [f"status {status}, expected one of {answer.status}"]
    if answer.json_body:
        try:
            body = json.loads(text)
        except ValueError:
            problems.append(f"not JSON: {text[:80]!r}")
        else:
            problems += _json_problems(body, answer.json_body, substitutions, "$")
    lines = text.splitlines()
    for pattern in answer.text:
        if not any(re.search(pattern, line) for line in lines):
            problems.append(f"no line matches {pattern!r}")
    return problems


def _answer_result(check_id: str, judged: Mapping[str, list[str]]) -> CheckResult:
    failing = {name: problems for name, problems in judged.items() if problems}
    evidence = {"requests": sorted(judged), "problems": failing}
    if failing:
        text = "; ".join(f"{name}: {', '.join(p)}" for name, p in failing.items())
        return CheckResult(check_id, Verdict.FAIL, text, evidence)
    return CheckResult(check_id, Verdict.PASS, f"{', '.join(sorted(judged))} answer as declared", evidence)


def probe_monitoring(
    target: Target, server: ServerTraffic, *, release: str | None, environment: str
) -> list[CheckResult]:
    """Each declared health, monitoring and Sentry-health request with an ``answer``, once the app has sent
    an error (the sentinel: a Sentry status then has a last event to report, its ``{last_event_id}``),
    judged against it; one result per kind that declares an answer."""
    sentinel = None
    if server.traffic.error is not None:
        sentinel = _marked_error(target, server.traffic.error, sentinel_marker())[1]
    last_event_id = sentinel.event_id if sentinel is not None else None
    judged: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for name, request in server.monitoring:
        if request.answer is None:
            continue
        method, path, headers, body = as_burst(request)
        response = target.http.request(method, path, headers=dict(headers), json=body)
        problems = answer_problems(
            request.answer,
            response.status_code,
            response.text,
            release=release,
            environment=environment,
            last_event_id=last_event_id,
        )
        judged[ANSWER_CHECKS[request.kind]][name] = problems
    return [_answer_result(check_id, by_name) for check_id, by_name in judged.items()]


# ---- one error: quality, sending, breadcrumbs ------------------------------------------------------
def _marked_error(target: Target, request: Request, marker: str) -> tuple[int, StoredItem | None]:
    """Send ``request`` carrying ``marker``; its answer's status and the event that carries the marker (None
    when it did not come within the sentinel's timeout)."""
    [(status, _)] = burst(target, [as_burst(request, sentinel_headers(marker))], concurrency=1).items()
    items = await_sentinel(server_project(target), marker, timeout=SENTINEL_TIMEOUT_S)
    return status, next((i for i in items if is_sentinel(i, marker)), None)


def probe_quality(target: Target, server: ServerTraffic) -> list[CheckResult]:
    """The sentinel's error request twice, each carrying its own marker: the quality of the first event
    (any breadcrumb counts: the gate does not know the app's categories), and both group the same."""
    request = server.traffic.error
    assert request is not None
    events = [_marked_error(target, request, sentinel_marker())[1] for _ in range(2)]
    if events[0] is None or events[1] is None:
        what = f"the error of {request.method} {request.path} did not arrive twice within {SENTINEL_TIMEOUT_S:g} s"
        return [
            CheckResult(i, Verdict.INCONCLUSIVE, what, {"arrived": sum(e is not None for e in events)})
            for i in QUALITY_IDS
        ]
    first, second = events[0].json(), events[1].json()
    out = quality.event_quality_checks(first, crumb_category=None)
    out.append(quality.grouping_stable("production.quality.grouping", first, second))
    return out


def probe_max_breadcrumbs(target: Target, request: Request, *, limit: int) -> CheckResult:
    """The error request that records ``request.breadcrumbs`` breadcrumbs (more than ``limit``) before its
    error: the event may carry at most ``limit`` (and, having recorded more, exactly that many)."""
    assert request.breadcrumbs is not None
    _, event = _marked_error(target, request, sentinel_marker())
    return checks.max_breadcrumbs(
        "production.config.max-breadcrumbs", event.json() if event else None, limit, request.breadcrumbs
    )


def probe_sending(target: Target, server: ServerTraffic, *, environment: str) -> CheckResult:
    """The sentinel's error request, then the app stopped with its stop signal (the SDK flushes on
    shutdown), so a silent app costs no timeout: its error must be among what arrived."""
    request = server.traffic.error
    assert request is not None
    marker = sentinel_marker()
    burst(target, [as_burst(request, sentinel_headers(marker))], concurrency=1)
    target.stop()
    arrived = [i for i in server_project(target).items() if is_sentinel(i, marker)]
    result = checks.sending(
        "production.config.sending",
        expected_sends=True,
        received=len(arrived),
        control_received=None,
        environment=environment,
    )
    return CheckResult(
        result.check_id,
        result.verdict,
        f"{result.summary} ({request.method} {request.path}'s error, the app then stopped)",
        result.evidence,
    )


# ---- delivery and not over-filtering ----------------------------------------------------------------
def _markers_in(items: Sequence[StoredItem]) -> Counter[str]:
    """How many events carry each request marker: in the ``User-Agent`` the event's request headers keep, or
    as the trace id the SDK continued from the ``sentry-trace`` header (either is enough: an SDK or a scrubber
    may drop one)."""
    found: Counter[str] = Counter()
    for item in items:
        if item.type != "event":
            continue
        markers = {m.decode() for m in _MARKED.findall(item.payload)}
        try:
            trace = ((item.json().get("contexts") or {}).get("trace") or {}).get("trace_id")
        except (ValueError, AttributeError):
            trace = None
        if isinstance(trace, str):
            markers.add(trace)
        for marker in markers:
            found[marker] += 1
    return found


def probe_delivery(
    target: Target, server: ServerTraffic, *, errors: int = DELIVERY_ERRORS, rate: float = DELIVERY_RATE
) -> list[CheckResult]:
    """``errors`` declared error requests (round-robin over `ServerTraffic.plain_errors`), each with its own
    marker, one ordinary request after every second one, at a steady ``rate``; then the sentinel (what the SDK
    queued before it is sent), then the app's stop signal: the SDK flushes what it still holds and sends its
    client reports at shutdown, so no quiet window is waited for. Every marked error must have arrived or be
    accounted by a client report; the same count judges that no filter dropped a real error."""
    plain = server.plain_errors
    markers = [sentinel_marker() for _ in range(errors)]
    requests: list[tuple[str, str, Mapping[str, str], Any]] = []
    for i, marker in enumerate(markers):
        requests.append(as_burst(plain[i % len(plain)][1], sentinel_headers(marker)))
        if i % 2 == 1 and server.traffic.ordinary is not None:
            requests.append(as_burst(server.traffic.ordinary))
    statuses = burst(target, requests, concurrency=8, rate=rate)
    assert server.traffic.error is not None
    complete = _marked_error(target, server.traffic.error, sentinel_marker())[1] is not None
    target.stop()
    items = server_project(target).items()
    found = _markers_in(items)
    received = sum(1 for m in markers if found[m])
    # A filter's drop explains no lost error: before_send, and event processors (sentry-python's dedupe
    # drops the logging integration's copy of every error it captured, one per error request, as one).
    filters = ("before_send", "event_processor")
    accounted = {reason: q for (reason, _), q in discarded(items, "error").items() if reason not in filters}
    names = sorted({n for n, _ in plain})
    result = checks.delivery(
        "production.delivery.server-errors", injected=errors, received=received, accounted=accounted
    )
    evidence = {**result.evidence, "requests": names, "statuses": dict(statuses), "sentinel": complete}
    delivery = CheckResult(result.check_id, result.verdict, f"{result.summary} ({', '.join(names)})", evidence)
    over = checks.not_over_filtered(
        "production.filters.not-over-filtering",
        arrived=received,
        sent=errors,
        what=f"errors of the declared error requests ({', '.join(names)})",
    )
    print(f"delivery {target.name}: {delivery.summary}; statuses {dict(statuses)}")
    return [delivery, over]


# ---- one traced app: monitoring noise, profiling ------------------------------------------------------
def probe_traced(
    target: Target, server: ServerTraffic, *, noise: bool, profiling: bool, probes: int = 20, rounds: int = 8
) -> list[CheckResult]:
    """An app started for this probe, traced (and profiled) at rate 1, one handshake for both checks:
    ``probes`` of every declared monitoring endpoint and every ordinary GET request ``rounds`` times,
    interleaved, then the sentinel (the control that the app sends, and what the SDK queued before it is
    sent), then the app's stop signal. The SDK flushes what it still holds at shutdown (its client reports
    too), so everything the project holds then is judged, with no quiet window: ``noise``, no event and no
    transaction of a monitoring endpoint (the lifecycle's readiness probes of a declared health path
    included: they are monitoring traffic too); ``profiling``, a profile (`profiling_result`)."""
    monitoring = [as_burst(r) for _, r in server.monitoring] * probes if noise else []
    ordinary = [as_burst(r) for _, r in server.ordinary] * rounds if profiling else []
    mixed = [r for pair in zip_longest(monitoring, ordinary) for r in pair if r is not None]
    assert server.traffic.error is not None
    burst(target, mixed, concurrency=2)
    marker = sentinel_marker()
    _marked_error(target, server.traffic.error, marker)
    target.stop()
    items = server_project(target).items(include_refused=True)
    out = []
    if noise:
        paths = {urlsplit(as_burst(r)[1]).path for _, r in server.monitoring}
        out.append(
            absence_result(
                "production.monitoring.no-noise",
                items,
                marker,
                lambda i: i.type in ("event", "transaction") and request_path(i) in paths,
                f"events or transactions of {sorted(paths)} after {len(monitoring)} probes and the stop",
            )
        )
    if profiling:
        mine = [i for i in items if not in_sentinel_trace(i, marker) and not carries(i, marker)]
        out.append(profiling_result(mine, requests=len(ordinary)))
    return out


def profiling_result(items: Sequence[StoredItem], *, requests: int) -> CheckResult:
    """``production.profiling.enabled`` on what ``requests`` ordinary requests to an app traced and profiled
    at rate 1 left (its client reports included). A profile or profile chunk must be there; none, with the
    SDK reporting profiles discarded as too short (``insufficient_data``: sentry-python keeps a profile of
    two samples or more, 10 ms apart), is INCONCLUSIVE: the declared requests are too quick to profile."""
    check_id = "production.profiling.enabled"
    profiles = [i for i in items if i.type in ("profile", "profile_chunk")]
    transactions = [i for i in items if i.type == "transaction"]
    dropped = {f"{reason}:{cat}": q for (reason, cat), q in discarded(items).items() if cat.startswith("profile")}
    evidence = {"profiles": len(profiles), "transactions": len(transactions), "profiles_discarded": dropped}
    if profiles:
        text = f"{len(profiles)} profiles for {len(transactions)} transactions of {requests} requests"
        return CheckResult(check_id, Verdict.PASS, text, evidence)
    if not transactions:
        return CheckResult(check_id, Verdict.INCONCLUSIVE, "no transaction arrived either (tracing off?)", evidence)
    if any(key.startswith("insufficient_data") for key in dropped):
        text = f"0 profiles: the SDK discarded them as too short ({dropped}): the declared requests are too quick"
        return CheckResult(check_id, Verdict.INCONCLUSIVE, text, evidence)
    text = f"0 profiles for {len(transactions)} transactions traced and profiled at rate 1 (discards {dropped or 0})"
    return CheckResult(check_id, Verdict.FAIL, text, evidence)


# ---- the DSN rollback ------------------------------------------------------------------------------
def probe_dsn_removed(control: Target, start_removed: Callable[[], Target], server: ServerTraffic) -> CheckResult:
    """The control (the app with its DSN) must send the error of the sentinel's request; it is stopped, then
    ``start_removed`` starts the app with its server DSN variables empty (after the control: whatever the
    control left behind, a DSN-less start may find), which gets the same error and ordinary
    traffic, each request carrying a marker, and is stopped with its stop signal (the SDK flushes on
    shutdown). Nothing may arrive: not in its own project, and nothing carrying its marker anywhere in the
    ingest (a DSN the app remembered or baked in that points at a project the gate knows). A DSN baked in
    that points outside this machine is beyond any local check."""
    check_id = "production.rollback.dsn-removed"
    request = server.traffic.error
    assert request is not None
    status, control_event = _marked_error(control, request, sentinel_marker())
    control.stop()
    baseline = max((i.id for i in server_project(control).items()), default=0)
    removed = start_removed()
    marker = sentinel_marker()
    headers = sentinel_headers(marker)
    traffic = [as_burst(request, headers)] * 3 + [as_burst(r, headers) for _, r in server.ordinary] * 3
    statuses = burst(removed, traffic, concurrency=2)
    removed.stop()
    project = server_project(removed)
    ingest = project.client
    ingest.flush()
    leaked = [i for i in ingest.items(after_id=baseline) if i.project == project.id or carries(i, marker)]
    kinds = Counter(f"{i.type}@{'own' if i.project == project.id else 'project ' + str(i.project)}" for i in leaked)
    served = all(s < 500 or s in request.status for s in statuses)
    evidence = {"leaked": dict(kinds), "statuses": dict(statuses), "control_arrived": control_event is not None}
    if leaked:
        text = f"{len(leaked)} items ({dict(kinds)}) sent with the server DSN variables empty"
        return CheckResult(check_id, Verdict.FAIL, text, evidence)
    if not served:
        return CheckResult(check_id, Verdict.FAIL, f"the app without its DSN answered {dict(statuses)}", evidence)
    if control_event is None:
        text = f"nothing sent without the DSN, but the control's error did not arrive either (it answered {status})"
        return CheckResult(check_id, Verdict.INCONCLUSIVE, text, evidence)
    text = f"0 items from {len(traffic)} requests and the stop with the DSN removed; the control's error arrived"
    return CheckResult(check_id, Verdict.PASS, text, evidence)
