"""The chaos checks: pure functions from what was measured (load samples, captured events) to a `CheckResult`.

Each names its check id (the ids `targets/MUTANTS.md` lists for the chaos mutants) and, when it
fails, the measured value that made it fail. Nothing here does I/O.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from harness.chaos.load import LoadSample
from harness.results import CheckResult, Verdict

__all__ = [
    "APP_UNAFFECTED",
    "ERRORS_CAPTURED",
    "P95_NOISE_FLOOR_MS",
    "P95_SLACK",
    "UPSTREAM_TIMEOUT",
    "grouping_key",
    "tags_of",
    "upstream_deadline",
    "upstream_errors_captured",
]

APP_UNAFFECTED = "chaos.ingest-down.app-unaffected"
ERRORS_CAPTURED = "chaos.upstream.errors-captured"
UPSTREAM_TIMEOUT = "chaos.upstream.timeout"

P95_SLACK = 0.10
"""Issue 7: under a Sentry fault, p95 at most 10% above the steady state's."""
P95_NOISE_FLOOR_MS = 50.0
"""…or at most this much above it: a p95 of a few milliseconds moves by more than 10% between two
identical samples, so 10% of a tiny figure would judge noise, not the app."""


def grouping_key(event: Mapping[str, Any]) -> tuple[str, tuple[str, ...], str]:
    """What issue 7 groups on: exception type, the in-app frames (module.function), the upstream status tag."""
    values = (event.get("exception") or {}).get("values") or []
    last = values[-1] if values else {}
    frames = (last.get("stacktrace") or {}).get("frames") or []
    in_app = tuple(
        f"{f.get('module') or f.get('filename') or '?'}.{f.get('function') or '?'}" for f in frames if f.get("in_app")
    )
    return (str(last.get("type") or event.get("message") or "?"), in_app, str(tags_of(event).get("upstream.status")))


def tags_of(event: Mapping[str, Any]) -> dict[str, Any]:
    tags = event.get("tags") or {}
    if isinstance(tags, list):  # the wire format allows [[key, value], ...]
        return {k: v for k, v in tags}
    return dict(tags)


def upstream_errors_captured(
    check_id: str,
    fault: str,
    sample: LoadSample,
    events: Sequence[Mapping[str, Any]],
    *,
    upstream_status: str | Collection[str],
    route: str,
    max_groups: int = 3,
) -> CheckResult:
    """A Spotify fault shows up as errors the runbook can use: one per failed call, tagged, grouped tightly.

    ``sample`` is the load that met the fault (``drive`` with the expected status); ``events`` what
    the server project received for it. Every request must have been answered as expected, each must
    have produced an error event carrying ``upstream.status`` and the route, and all of them together
    must fall into at most ``max_groups`` grouping keys.
    """
    wanted = {upstream_status} if isinstance(upstream_status, str) else set(upstream_status)
    tagged = [e for e in events if str(tags_of(e).get("upstream.status")) in wanted]
    with_route = [e for e in tagged if route in str(e.get("transaction") or "")]
    groups = Counter(grouping_key(e) for e in tagged)
    evidence: dict[str, Any] = {
        "fault": fault,
        "load": sample.as_dict(),
        "events": len(events),
        "events_tagged": len(tagged),
        "events_with_route": len(with_route),
        "grouping_keys": [
            {"type": k[0], "in_app_frames": list(k[1]), "upstream_status": k[2], "events": n} for k, n in groups.items()
        ],
    }
    problems = []
    if sample.failed:
        problems.append(f"{sample.failed}/{sample.requests} answers were not the expected error: {sample.failures[0]}")
    if len(tagged) < sample.requests:
        problems.append(
            f"{len(tagged)} error events tagged upstream.status={upstream_status} for {sample.requests} calls"
        )
    if len(with_route) < len(tagged):
        problems.append(f"{len(tagged) - len(with_route)} of them without the route {route}")
    if len(groups) > max_groups:
        problems.append(f"{len(groups)} grouping keys (at most {max_groups})")
    if problems:
        return CheckResult(check_id, Verdict.FAIL, f"{fault}: " + "; ".join(problems), evidence)
    return CheckResult(
        check_id,
        Verdict.PASS,
        f"{fault}: {len(tagged)} tagged error events for {sample.requests} calls, {len(groups)} grouping key(s)",
        evidence,
    )


def upstream_deadline(check_id: str, fault: str, sample: LoadSample, *, deadline_ms: float) -> CheckResult:
    """A hung upstream must not hold requests open: every one answered (as expected) within the deadline."""
    worst = max(sample.latencies_ms, default=math.nan)
    evidence = {"fault": fault, "load": sample.as_dict(), "deadline_ms": deadline_ms, "slowest_ms": round(worst, 1)}
    if sample.failed or not worst <= deadline_ms:
        first = f"; first failure: {sample.failures[0]}" if sample.failures else ""
        return CheckResult(
            check_id,
            Verdict.FAIL,
            f"{fault}: slowest answer {worst:.0f} ms (deadline {deadline_ms:.0f} ms), "
            f"{sample.failed}/{sample.requests} not answered as expected{first}",
            evidence,
        )
    return CheckResult(check_id, Verdict.PASS, f"{fault}: slowest answer {worst:.0f} ms", evidence)
