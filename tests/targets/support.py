"""Helpers shared by the target tests: find a test's own events and read what their envelopes declared."""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from harness.envelope import parse_envelope
from harness.ingest import IngestClient, ProjectHandle, StoredItem
from harness.ingest.wait import wait_matching
from harness.targets.paths import TARGETS_DIR
from harness.targets.target import Target

T = TypeVar("T")
MUTANTS_MD = TARGETS_DIR / "MUTANTS.md"


def catalogue() -> list[dict[str, str]]:
    """The rows of targets/MUTANTS.md's table, as dicts keyed by its header."""
    rows = [line for line in MUTANTS_MD.read_text().splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    return [
        dict(zip(header, (c.strip() for c in row.strip("|").split("|", len(header) - 1)), strict=True))
        for row in rows[1:]
        if not set(row.replace("|", "").strip()) <= {"-", " "}
    ]


def new_marker(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}"


def tags_of(event: dict[str, Any]) -> dict[str, str]:
    """Tags as a dict, whichever of Sentry's two shapes (dict, or list of pairs) the SDK sent."""
    tags = event.get("tags") or {}
    return dict(tags) if isinstance(tags, dict) else {k: v for k, v in tags}


def marked(items: list[StoredItem], marker: str) -> list[dict[str, Any]]:
    """Payloads of events/transactions tagged ``gate.marker=<marker>`` or mentioning it in their message."""
    found = []
    for item in items:
        if item.type not in ("event", "transaction"):
            continue
        payload = item.json()
        if tags_of(payload).get("gate.marker") == marker or marker in _messages(payload):
            found.append(payload)
    return found


def _messages(event: dict[str, Any]) -> str:
    parts = [str(event.get("message") or ""), str((event.get("logentry") or {}).get("message") or "")]
    parts += [str(v.get("value")) for v in (event.get("exception") or {}).get("values") or []]
    return " ".join(parts)


def wait_marked(project: ProjectHandle, marker: str, type: str = "event", timeout: float = 10.0) -> dict[str, Any]:
    """The first ``type`` item of ``project`` carrying ``marker``, long-polling for more until a deadline."""
    found = wait_matching(project, lambda item: bool(marked([item], marker)), type=type, timeout=timeout)
    payload: dict[str, Any] = found[0].json()
    return payload


def stored_item_for(project: ProjectHandle, marker: str, type: str = "event") -> StoredItem:
    for item in project.items(type=type):
        if marked([item], marker):
            return item
    raise AssertionError(f"no {type} marked {marker!r} in project {project.id}")


def envelope_headers(ingest: IngestClient, item: StoredItem) -> dict[str, Any]:
    """The headers of the envelope that carried ``item`` (``trace`` holds the dynamic sampling context)."""
    headers: dict[str, Any] = parse_envelope(ingest.request_body(item.request_id, decoded=True)).headers
    return headers


def in_parallel(*calls: Callable[[], T]) -> list[T]:
    """Run independent blocking calls (target starts, slow requests) side by side; results in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


FULL_RATES = {"SENTRY_TRACES_SAMPLE_RATE": "1", "SENTRY_PROFILES_SAMPLE_RATE": "1"}
# One server configuration per run-time server mutant (TargetFactory keyword arguments), shared by the
# Express and Python target tests; each module adds its own controls.
MUTANT_FLEET: dict[str, dict[str, Any]] = {
    "m:traces-rate-full": {"mutant": "traces-rate-full"},
    "m:profiling-off": {"mutant": "profiling-off", "extra_env": FULL_RATES},
    "m:no-release": {"mutant": "no-release"},
    "m:wrong-environment": {"mutant": "wrong-environment"},
    "m:dev-sends-without-flag": {"mutant": "dev-sends-without-flag", "environment": "development"},
    "m:kill-switch-ignored": {"mutant": "kill-switch-ignored", "extra_env": {"SENTRY_TRACES_SAMPLE_RATE": "0"}},
    "m:health-transactions-kept": {"mutant": "health-transactions-kept", "extra_env": FULL_RATES},
    "m:health-errors-kept": {"mutant": "health-errors-kept"},
    "m:breadcrumbs-unbounded": {"mutant": "breadcrumbs-unbounded"},
    "m:gate-routes-open": {"mutant": "gate-routes-open"},
    "m:headers-not-scrubbed": {"mutant": "headers-not-scrubbed"},
    "m:query-tokens-kept": {"mutant": "query-tokens-kept"},
    "m:request-bodies-sent": {"mutant": "request-bodies-sent"},
    "m:maps-served-publicly": {"mutant": "maps-served-publicly"},
    "m:blocking-transport": {"mutant": "blocking-transport"},
    "m:rate-limits-ignored": {"mutant": "rate-limits-ignored"},
    "m:upstream-errors-swallowed": {"mutant": "upstream-errors-swallowed"},
    "m:no-upstream-timeout": {"mutant": "no-upstream-timeout"},
    "m:no-flush-on-sigterm": {"mutant": "no-flush-on-sigterm"},
    "m:slow-traces-sampler": {"mutant": "slow-traces-sampler", "extra_env": {"GATE_MUTANT_DELAY_MS": "40"}},
    "m:test-env-sends": {"mutant": "test-env-sends", "environment": "test"},
    "m:sentry-health-stale": {"mutant": "sentry-health-stale"},
    "m:profiles-rate-full": {"mutant": "profiles-rate-full", "extra_env": {"SENTRY_TRACES_SAMPLE_RATE": "1"}},
}


def health_times_ms(target: Target, n: int = 7) -> list[float]:
    """``n`` health requests' durations, sorted: how the slow-sampler demos compare a mutant with its control."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        assert target.http.get("/monitoring/health").status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def assert_slow_traces_sampler(fleet: dict[str, Target]) -> None:
    """The sampler busy-waits 40 ms (the app's ``MUTANT_DELAY_MS``) before every decision, health requests
    included.

    Only lower bounds: each mutant request takes at least the 40 ms it busy-waits, by construction, and
    the control's fastest of seven health requests is faster than the mutant's fastest. A correct build
    fails that only if all seven control requests of a ~1 ms route took over 40 ms: never seen, and far
    below 1e-6 per run on this machine even with the other test worker busy."""
    control, mutant = health_times_ms(fleet["production"]), health_times_ms(fleet["m:slow-traces-sampler"])
    assert mutant[3] >= 40, (control, mutant)
    assert control[0] < mutant[0], (control, mutant)
