"""Reading stored items: a test's own items by marker, root traces and their declared rates, client reports.

Sampling is decided once per trace, so a rate is counted over root traces (a transaction without a
parent span, one per trace id), never over spans. The rate an SDK declares for a trace travels in the
envelope's ``trace`` header (the dynamic sampling context) as ``sample_rate``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.envelope import EnvelopeError
from harness.ingest import StoredItem

__all__ = [
    "NOT_SAMPLING_REASONS",
    "RootTrace",
    "discarded",
    "lost_after_sampling",
    "marked_items",
    "messages_of",
    "root_traces",
    "tags_of",
]

MARKER_TAG = "gate.marker"


def tags_of(payload: dict[str, Any]) -> dict[str, str]:
    """Tags as a dict, whichever of Sentry's two shapes (dict, or list of pairs) the SDK sent."""
    tags = payload.get("tags") or {}
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(pair[0]): str(pair[1]) for pair in tags if isinstance(pair, list | tuple) and len(pair) == 2}


def messages_of(payload: dict[str, Any]) -> str:
    parts = [str(payload.get("message") or ""), str((payload.get("logentry") or {}).get("message") or "")]
    parts += [str(v.get("value")) for v in (payload.get("exception") or {}).get("values") or [] if isinstance(v, dict)]
    return " ".join(parts)


def _payload(item: StoredItem) -> dict[str, Any] | None:
    try:
        data = item.json()
    except (EnvelopeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def marked_items(items: Iterable[StoredItem], marker: str, types: tuple[str, ...] = ("event",)) -> list[StoredItem]:
    """Items of ``types`` tagged ``gate.marker=<marker>``, or whose message mentions it."""
    found = []
    for item in items:
        if item.type not in types:
            continue
        payload = _payload(item)
        if payload is None:
            continue
        if tags_of(payload).get(MARKER_TAG) == marker or marker in messages_of(payload):
            found.append(item)
    return found


@dataclass(frozen=True, slots=True)
class RootTrace:
    trace_id: str
    name: str
    declared_rate: float | None
    """``sample_rate`` of the envelope's trace header; None when absent or not a number."""
    sampled: str | None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def root_traces(items: Iterable[StoredItem], marker: str | None = None) -> dict[str, RootTrace]:
    """Root transactions by trace id (optionally only those tagged with ``marker``)."""
    out: dict[str, RootTrace] = {}
    for item in items:
        if item.type != "transaction":
            continue
        payload = _payload(item)
        if payload is None:
            continue
        if marker is not None and tags_of(payload).get(MARKER_TAG) != marker:
            continue
        trace = (payload.get("contexts") or {}).get("trace") or {}
        if trace.get("parent_span_id"):
            continue  # a child segment: its trace was decided at its root
        trace_id = str(trace.get("trace_id") or payload.get("event_id"))
        header = item.envelope_headers.get("trace") or {}
        out.setdefault(
            trace_id,
            RootTrace(
                trace_id=trace_id,
                name=str(payload.get("transaction") or ""),
                declared_rate=_float(header.get("sample_rate")),
                sampled=None if header.get("sampled") is None else str(header.get("sampled")),
            ),
        )
    return out


NOT_SAMPLING_REASONS = frozenset({"sample_rate", "before_send", "event_processor", "ignored", "no_parent_span"})
"""Client-report reasons for an item the SDK chose not to send. Any other reason (queue overflow,
network error, rate limit) loses an item after it was sampled, so a rate check counts it as sampled."""


def discarded(items: Iterable[StoredItem], category: str | None = None) -> Counter[tuple[str, str]]:
    """Client-report discards summed as ``{(reason, category): quantity}``."""
    total: Counter[tuple[str, str]] = Counter()
    for item in items:
        if item.type != "client_report":
            continue
        payload = _payload(item) or {}
        for entry in payload.get("discarded_events") or []:
            if not isinstance(entry, dict):
                continue
            cat = str(entry.get("category", ""))
            if category is not None and cat != category:
                continue
            qty = entry.get("quantity", 0)
            total[(str(entry.get("reason", "")), cat)] += int(qty) if isinstance(qty, int) else 0
    return total


def lost_after_sampling(items: Iterable[StoredItem], category: str) -> int:
    """Items of ``category`` the SDK sampled and then lost (client-report reasons outside
    `NOT_SAMPLING_REASONS`): a rate check counts them as sampled, delivery is another check."""
    return sum(q for (reason, _), q in discarded(items, category).items() if reason not in NOT_SAMPLING_REASONS)
