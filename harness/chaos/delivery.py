"""Delivery checks under ingest faults: rate limits honoured, loss accounted, pending events flushed on SIGTERM.

Pure functions from what the ingest logged (`Arrival`: one request, its arrival time, answer and
the data categories it carried) and what the client reports said, to a `CheckResult` that names
its check id and, when it fails, the measured value. The I/O (reading the ingest, driving load)
is in `harness.chaos.experiments`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.results import CheckResult, Verdict

__all__ = [
    "IN_FLIGHT_GRACE_S",
    "Arrival",
    "arrivals_from_items",
    "category_of",
    "discarded_by_reason",
    "loss_accounted",
    "rate_limit_backoff",
    "shutdown_flush",
]

IN_FLIGHT_GRACE_S = 1.0
"""Requests arriving this soon after the limiting answer are not held against the SDK: the Node SDK
sends envelopes concurrently, so some were already on the wire when the 429 came back."""

_CATEGORIES = {
    "event": "error",
    "transaction": "transaction",
    "session": "session",
    "sessions": "session",
    "client_report": "internal",
    "span": "span",
    "profile": "profile",
    "profile_chunk": "profile_chunk",
    "replay_event": "replay",
    "replay_recording": "replay",
    "attachment": "attachment",
    "log": "log_item",
}


def category_of(item_type: str) -> str:
    """The rate-limit data category of an envelope item type (Relay's names)."""
    return _CATEGORIES.get(item_type, item_type)


@dataclass(frozen=True, slots=True)
class Arrival:
    """One request the ingest received: when, what it answered and which categories it carried."""

    request_id: int
    at: float
    status: int
    categories: frozenset[str]


def arrivals_from_items(items: Iterable[Any], statuses: Mapping[int, int]) -> list[Arrival]:
    """Group stored items (``request_id``, ``type``, ``received_at``) by request, in arrival order."""
    grouped: dict[int, tuple[float, set[str]]] = {}
    for item in items:
        at, cats = grouped.setdefault(item.request_id, (item.received_at, set()))
        cats.add(category_of(item.type))
        grouped[item.request_id] = (min(at, item.received_at), cats)
    return sorted(
        (Arrival(rid, at, statuses.get(rid, 200), frozenset(cats)) for rid, (at, cats) in grouped.items()),
        key=lambda a: (a.at, a.request_id),
    )


def discarded_by_reason(reports: Iterable[Mapping[str, Any]], category: str) -> Counter[str]:
    """Sum the client reports' ``discarded_events`` for one category, by reason."""
    out: Counter[str] = Counter()
    for report in reports:
        for entry in report.get("discarded_events") or []:
            if entry.get("category") == category:
                out[str(entry.get("reason"))] += int(entry.get("quantity") or 0)
    return out


def _limits(categories: frozenset[str] | None) -> str:
    return "every category" if categories is None else "/".join(sorted(categories))


def rate_limit_backoff(
    check_id: str,
    fault: str,
    arrivals: Sequence[Arrival],
    *,
    limit_seconds: float,
    limited: frozenset[str] | None,
    flowing: str | None = "error",
    grace_s: float = IN_FLIGHT_GRACE_S,
) -> CheckResult:
    """No request carrying a limited category arrives before the limit ends; others flow; then all flow again.

    The limit starts when the ingest answered the first 429 (its arrival time). ``limited`` None is a
    bare 429: every data category is limited (client reports excepted: the SDKs attach them to
    whatever they send). ``flowing`` is a category that must keep arriving during a category limit.
    """
    first = next((a for a in arrivals if a.status == 429), None)
    if first is None:
        return CheckResult(check_id, Verdict.INCONCLUSIVE, f"{fault}: no request was answered 429 (fault not met)")
    start, end = first.at, first.at + limit_seconds

    def carries_limited(a: Arrival) -> bool:
        data = a.categories - {"internal"}
        return bool(data) if limited is None else bool(data & limited)

    violations = [a for a in arrivals if start + grace_s < a.at < end and carries_limited(a) and a is not first]
    others = [a for a in arrivals if start < a.at < end and flowing in a.categories] if flowing else []
    after = [a for a in arrivals if a.at >= end and carries_limited(a) and a.status == 200]
    limits = _limits(limited)
    evidence: dict[str, Any] = {
        "fault": fault,
        "limited": sorted(limited) if limited is not None else "all",
        "limit_seconds": limit_seconds,
        "grace_s": grace_s,
        "limited_within_limit": len(violations),
        "first_violation_after_s": round(violations[0].at - start, 3) if violations else None,
        f"{flowing}_during_limit": len(others) if flowing else None,
        "limited_after_limit": len(after),
        "requests": len(arrivals),
    }
    problems = []
    if violations:
        problems.append(
            f"{len(violations)} {limits} envelopes within the {limit_seconds:g} s limit "
            f"(first {violations[0].at - start:.1f} s after the 429)"
        )
    if flowing and limited is not None and not others:
        problems.append(f"no {flowing} envelope arrived during the {limits} limit (other categories must keep flowing)")
    if not after:
        problems.append(f"no {limits} envelope arrived after the limit ended")
    if problems:
        return CheckResult(check_id, Verdict.FAIL, f"{fault}: " + "; ".join(problems), evidence)
    flowing_text = f", {len(others)} {flowing} envelopes flowed during it" if flowing and limited is not None else ""
    return CheckResult(
        check_id,
        Verdict.PASS,
        f"{fault}: 0 {limits} envelopes within the {limit_seconds:g} s limit{flowing_text}, {len(after)} after it",
        evidence,
    )


def loss_accounted(
    check_id: str,
    fault: str,
    *,
    category: str,
    injected: int,
    received: int,
    accounted: Mapping[str, int],
    known_gap: str | None = None,
) -> CheckResult:
    """What was not delivered shows in client reports: injected − received − accounted (by reason) must be ≤ 0.

    ``known_gap`` names an SDK that does not report this kind of loss at all (say which and why): a
    shortfall is then inconclusive for the gate (the SDK, not the app, would have to change), shown
    with the same figures, never a pass.
    """
    total = sum(accounted.values())
    unaccounted = injected - received - total
    figures = (
        f"{category}: injected {injected}, received {received}, accounted {total} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(accounted.items())) or 'no client report'}), "
        f"unaccounted {max(unaccounted, 0)}"
    )
    evidence = {
        "fault": fault,
        "category": category,
        "injected": injected,
        "received": received,
        "accounted_by_reason": dict(accounted),
        "unaccounted": max(unaccounted, 0),
        "over_accounted": max(-unaccounted, 0),
        "known_gap": known_gap,
    }
    if unaccounted <= 0:
        return CheckResult(check_id, Verdict.PASS, f"{fault}: {figures}", evidence)
    if known_gap:
        return CheckResult(check_id, Verdict.INCONCLUSIVE, f"{fault}: {figures}; known SDK gap: {known_gap}", evidence)
    return CheckResult(check_id, Verdict.FAIL, f"{fault}: {figures}", evidence)


def shutdown_flush(
    check_id: str,
    *,
    sent: int,
    received: int,
    session_updates: int,
    exit_seconds: float,
    timeout_s: float,
    exit_code: int | None,
) -> CheckResult:
    """Events pending at SIGTERM, and the request-mode session aggregates, delivered within the shutdown timeout.

    ``sent`` events were captured before the signal; ``received`` of them reached the ingest;
    ``session_updates`` is the number of sessions items (aggregates) received.
    """
    lost = sent - received
    evidence = {
        "events_sent": sent,
        "events_received": received,
        "events_lost": lost,
        "session_aggregates": session_updates,
        "exit_seconds": round(exit_seconds, 3),
        "shutdown_timeout_s": timeout_s,
        "exit_code": exit_code,
    }
    problems = []
    if lost > 0:
        problems.append(f"{lost} of {sent} events pending at SIGTERM lost")
    if session_updates == 0:
        problems.append("no request-mode session aggregate delivered")
    if not exit_seconds <= timeout_s:
        problems.append(f"exit took {exit_seconds:.1f} s (shutdown timeout {timeout_s:g} s)")
    if problems:
        return CheckResult(check_id, Verdict.FAIL, "SIGTERM under load: " + "; ".join(problems), evidence)
    return CheckResult(
        check_id,
        Verdict.PASS,
        f"SIGTERM under load: {received}/{sent} events and {session_updates} session aggregate(s) delivered, "
        f"exit in {exit_seconds:.1f} s (timeout {timeout_s:g} s)",
        evidence,
    )
