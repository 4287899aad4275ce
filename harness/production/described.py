"""Production probes on an app known only by its target file: no gate routes, no page hook, no marker tags.

What reaches the app is what its file declares: the ordinary, error and health requests of ``[traffic]``
(``{canary.KIND}`` placeholders filled with plain marked values), the environments and their promises,
the ``[sentry.rates]`` variables for the kill switch. What it sent is read from its own ingest project,
judged after the hook-free absence handshake of `harness.production.absence` (a sentinel error through
the declared error request, then the SDK's quiet window), never after a sleep.

Each probe measures one check id the bundled apps' probes (`harness.production.probes`) measure through
their gate routes, so a report reads the same on either kind of app.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from harness.production import checks
from harness.production.absence import (
    DEFAULT_SETTLE_S,
    Absence,
    absence_proof,
    await_quiet,
    await_sentinel,
    in_sentinel_trace,
    is_sentinel,
    sentinel_headers,
    sentinel_marker,
)
from harness.production.drive import burst
from harness.production.items import lost_after_sampling, root_traces
from harness.results import CheckResult, Verdict

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from harness.ingest import ProjectHandle, StoredItem
    from harness.targetfile.model import Request, TargetFile
    from harness.targets.target import Target

__all__ = [
    "SENTINEL_TIMEOUT_S",
    "Traffic",
    "absence_result",
    "as_burst",
    "filled",
    "probe_development_silent",
    "probe_health_transactions",
    "probe_identity",
    "probe_kill_switch",
    "probe_server_traces",
    "request_path",
    "server_project",
]

SENTINEL_TIMEOUT_S = 30.0
"""How long the sentinel error may take to be stored before the probe judges without it (UNPROVEN)."""
_PLACEHOLDER = re.compile(r"\{canary\.([a-z_]+)\}")


def filled(text: str) -> str:
    """``{canary.KIND}`` as a plain marked value (the privacy audit plants real canaries)."""
    return _PLACEHOLDER.sub(r"sentry-gate-\1", text)


def as_burst(request: Request, headers: Mapping[str, str] | None = None) -> tuple[str, str, Mapping[str, str], Any]:
    """One declared request as `harness.production.drive.burst` sends it (query in the path, JSON body)."""
    query = urlencode({k: filled(v) for k, v in request.query.items()})
    path = filled(request.path) + (f"?{query}" if query else "")
    body = json.loads(filled(json.dumps(request.json_body))) if request.json_body is not None else None
    return request.method, path, {**{k: filled(v) for k, v in request.headers.items()}, **(headers or {})}, body


@dataclass(frozen=True, slots=True)
class Traffic:
    """The declared requests a probe needs, picked from the file once."""

    ordinary: Request | None
    error: Request | None
    health: tuple[Request, ...]

    @classmethod
    def of(cls, model: TargetFile) -> Traffic:
        """``error`` (the sentinel's request) is the file's last error request, leaving out those that state
        ``breadcrumbs`` when another is declared: a mistake that swallows an error is usually written for the
        first error path, and a sentinel that records hundreds of breadcrumbs is slow for no gain."""
        requests = list(model.traffic.requests.values())
        ordinary = [r for r in requests if r.kind == "ordinary" and r.method == "GET" and not r.json_body]
        weighted = [r for r in ordinary if r.weight > 0] or ordinary
        errors = [r for r in requests if r.kind == "error"]
        plain = [r for r in errors if r.breadcrumbs is None] or errors
        return cls(
            ordinary=weighted[0] if weighted else None,
            error=plain[-1] if plain else None,
            health=tuple(r for r in requests if r.kind in ("health", "monitoring", "sentry-health")),
        )


def request_path(item: StoredItem) -> str | None:
    """The request path a transaction or event records (``request.url``), if any."""
    try:
        url = (item.json().get("request") or {}).get("url")
    except (ValueError, AttributeError):
        return None
    return urlsplit(str(url)).path if url else None


def server_project(target: Target) -> ProjectHandle:
    if target.server_project is None:
        raise RuntimeError(f"{target.name} has no server project")
    return target.server_project


def _quiet_baseline(project: ProjectHandle) -> set[int]:
    """What the project holds once quiet (the readiness probe's own transaction included): later items only
    are the probe's."""
    items, _ = await_quiet(project, quiet=DEFAULT_SETTLE_S, timeout=4 * DEFAULT_SETTLE_S)
    return {i.id for i in items}


def _sentinel(target: Target, traffic: Traffic) -> tuple[str, list[StoredItem], bool]:
    """Send the sentinel through the declared error request and wait for it and the quiet window: the
    marker, everything the project holds then, and whether the sentinel came and the project went quiet."""
    assert traffic.error is not None
    marker = sentinel_marker()
    burst(target, [as_burst(traffic.error, sentinel_headers(marker))], concurrency=1)
    project = server_project(target)
    items = await_sentinel(project, marker, timeout=SENTINEL_TIMEOUT_S)
    arrived = any(is_sentinel(i, marker) for i in items)
    settled = False
    if arrived:
        items, settled = await_quiet(project, quiet=DEFAULT_SETTLE_S, timeout=SENTINEL_TIMEOUT_S)
    return marker, items, arrived and settled


def probe_server_traces(
    target: Target,
    traffic: Traffic,
    *,
    requests: int,
    expected: float,
    tolerance: float,
    level: float,
    environment: str,
) -> tuple[CheckResult, CheckResult]:
    """``requests`` of the declared ordinary request; root traces (and traces lost after sampling, from the
    client report) over answered requests, once the sentinel is in and the app stopped (INCONCLUSIVE without
    the sentinel); and the rate each trace declares. The app is stopped here."""
    assert traffic.ordinary is not None
    before = _quiet_baseline(server_project(target))
    statuses = burst(target, [as_burst(traffic.ordinary)] * requests)
    marker, _, complete = _sentinel(target, traffic)
    # Stopped with its stop signal the SDK flushes, client report included: a trace sampled but lost after
    # (sentry-sdk's 100-item queue overflowed in dev at rate 1.0: 671 of 1,070 arrived) counts as sampled.
    target.stop()
    items = server_project(target).items()
    new = [i for i in items if i.id not in before and not in_sentinel_trace(i, marker) and not is_sentinel(i, marker)]
    lost = lost_after_sampling(new, "transaction")
    path = urlsplit(as_burst(traffic.ordinary)[1]).path
    mine = [i for i in new if request_path(i) in (None, path)]
    roots = root_traces(mine)
    answered = sum(n for status, n in statuses.items() if status < 500)
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
    if not complete:
        rate = CheckResult(
            rate.check_id,
            Verdict.INCONCLUSIVE,
            f"the sentinel error or the quiet window never came, so the count may be short: {rate.summary}",
            rate.evidence,
        )
    declared = checks.declared_rate("production.sampling.declared-rate", roots, expected, environment)
    return rate, declared


def probe_identity(
    target: Target, traffic: Traffic, *, environment: str, release: str | None, release_health: bool
) -> list[CheckResult]:
    """The declared error request and a few ordinary ones; environment and release on every item."""
    requests = [as_burst(traffic.ordinary)] * 5 if traffic.ordinary is not None else []
    if traffic.error is not None:
        requests.append(as_burst(traffic.error))
    burst(target, requests, concurrency=2)
    _, items, _ = _sentinel(target, traffic)
    return [
        checks.environment_on_items("production.config.environment", items, environment),
        checks.release_on_items("production.release.every-item", items, release or "", release_health=release_health),
        checks.release_valid("production.release.valid", release),
    ]


def absence_result(
    check_id: str, proof_items: Sequence[StoredItem], marker: str, unwanted: Any, what: str
) -> CheckResult:
    proof = absence_proof(proof_items, marker, unwanted)
    verdict = {Absence.ABSENT: Verdict.PASS, Absence.PRESENT: Verdict.FAIL, Absence.UNPROVEN: Verdict.INCONCLUSIVE}
    kinds = Counter(i.type for i in proof.unwanted)
    evidence = {"unwanted": dict(kinds), "judged": proof.judged, "sentinel": proof.sentinel_arrived}
    return CheckResult(check_id, verdict[proof.outcome], f"{what}: {proof.summary()}", evidence)


def _after(
    target: Target, traffic: Traffic, requests: Sequence[tuple[str, str, Mapping[str, str], Any]], concurrency: int
) -> tuple[str, list[StoredItem]]:
    """Send ``requests`` once the project is quiet, then the sentinel: its marker and the items stored since."""
    before = _quiet_baseline(server_project(target))
    burst(target, requests, concurrency=concurrency)
    marker, items, _ = _sentinel(target, traffic)
    return marker, [i for i in items if i.id not in before]


def probe_kill_switch(target: Target, traffic: Traffic, *, requests: int = 100) -> CheckResult:
    """The app started with every declared rate variable at 0: its ordinary traffic, then the sentinel
    error (the control that errors still go out); no transaction may be among what arrived."""
    assert traffic.ordinary is not None
    marker, new = _after(target, traffic, [as_burst(traffic.ordinary)] * requests, concurrency=8)
    return absence_result(
        "production.rollback.kill-switch",
        new,
        marker,
        lambda i: i.type in ("transaction", "profile", "span"),
        "with every rate at 0, traced traffic",
    )


def probe_health_transactions(target: Target, traffic: Traffic, *, requests: int = 20) -> CheckResult:
    """The declared health and monitoring requests; none of their transactions may arrive."""
    paths = {urlsplit(as_burst(r)[1]).path for r in traffic.health}
    marker, new = _after(target, traffic, [as_burst(r) for r in traffic.health] * requests, concurrency=2)
    return absence_result(
        "production.filters.health-transactions",
        new,
        marker,
        lambda i: i.type == "transaction" and request_path(i) in paths,
        f"transactions of {sorted(paths)}",
    )


def probe_development_silent(quiet: Target, control: Target, traffic: Traffic) -> CheckResult:
    """An environment that promises silence: the same error traffic to the app started in it and to a
    control started with its opt-in; each is then stopped with its stop signal (the SDKs flush on
    shutdown: measured for sentry-sdk and @sentry/node), and only the control may have sent anything."""
    assert traffic.error is not None
    sent: list[int] = []
    for target in (control, quiet):
        burst(target, [as_burst(traffic.error)] * 3 + ([as_burst(traffic.ordinary)] * 3 if traffic.ordinary else []))
        target.stop()
        sent.append(len(server_project(target).items()))
    return checks.sending(
        "production.config.development-silent",
        expected_sends=False,
        received=sent[1],
        control_received=sent[0],
        environment=quiet.options.environment,
    )
