"""Scripted ingest faults: what a test asks the fake Sentry to do instead of answering 200.

Pure data and selection; the app applies the chosen fault. Time and randomness are passed in so
selection is testable. A fault applies to the requests its selectors match (the ingest selects by
``project``; the web API by ``endpoint``, ``org`` and ``method``; an absent selector matches all),
for a duration and/or a number of requests, with a probability. ``latency`` faults add delay and
let the request go on; the other kinds decide the answer, first match wins.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("status", "latency", "reset", "blackhole")


@dataclass(slots=True)
class Fault:
    id: int
    kind: str
    where: dict[str, Any] = field(default_factory=dict)
    """Selectors: the request attributes this fault applies to, e.g. ``{"project": 7}``."""
    status: int = 500
    retry_after: float | None = None
    rate_limits: str | None = None
    """``X-Sentry-Rate-Limits`` value, e.g. ``60:transaction:organization:quota_exceeded``."""
    latency_ms: float = 0.0
    probability: float = 1.0
    remaining: int | None = None
    until: float | None = None
    matched: int = 0
    created_at: float = 0.0

    def active(self, now: float) -> bool:
        return (self.remaining is None or self.remaining > 0) and (self.until is None or now < self.until)

    @property
    def project(self) -> int | None:
        value = self.where.get("project")
        return int(value) if value is not None else None

    def applies_to(self, attrs: Mapping[str, Any]) -> bool:
        return all(attrs.get(key) == value for key, value in self.where.items())

    def response_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["retry-after"] = f"{self.retry_after:g}"
        if self.rate_limits is not None:
            headers["x-sentry-rate-limits"] = self.rate_limits
        return headers

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            **self.where,
            "status": self.status,
            "retry_after": self.retry_after,
            "rate_limits": self.rate_limits,
            "latency_ms": self.latency_ms,
            "probability": self.probability,
            "remaining": self.remaining,
            "until": self.until,
            "matched": self.matched,
        }


def fault_from_spec(
    spec: Mapping[str, Any],
    *,
    fault_id: int,
    now: float,
    kinds: tuple[str, ...] = KINDS,
    selectors: tuple[str, ...] = ("project",),
) -> Fault:
    """Validate a fault spec; raises ValueError with a message a user can act on."""
    kind = str(spec.get("kind", "status"))
    if kind not in kinds:
        raise ValueError(f"fault kind {kind!r} is not one of {kinds}")
    status = int(spec.get("status", 429 if spec.get("rate_limits") or spec.get("retry_after") else 500))
    if kind == "status" and not 400 <= status <= 599:
        raise ValueError("a status fault needs a 4xx or 5xx 'status'")
    probability = float(spec.get("probability", 1.0))
    if not 0.0 <= probability <= 1.0:
        raise ValueError("'probability' must be within 0..1")
    count = spec.get("count")
    duration = spec.get("duration")
    if count is not None and int(count) < 1:
        raise ValueError("'count' must be at least 1")
    if duration is not None and float(duration) <= 0:
        raise ValueError("'duration' must be positive seconds")
    if kind == "blackhole" and duration is None and count is None:
        raise ValueError("a blackhole needs a 'duration' or 'count' so held requests are released")
    where = {key: spec[key] for key in selectors if spec.get(key) is not None}
    if "project" in where:
        where["project"] = int(where["project"])
    return Fault(
        id=fault_id,
        kind=kind,
        where=where,
        status=status,
        retry_after=float(spec["retry_after"]) if spec.get("retry_after") is not None else None,
        rate_limits=str(spec["rate_limits"]) if spec.get("rate_limits") is not None else None,
        latency_ms=float(spec.get("latency_ms", 0.0)),
        probability=probability,
        remaining=int(count) if count is not None else None,
        until=now + float(duration) if duration is not None else None,
        created_at=now,
    )


@dataclass(slots=True)
class Decision:
    delay_s: float = 0.0
    fault: Fault | None = None


@dataclass
class FaultSet:
    """The faults in force. Thread-safe: the control API and the request path share it.

    ``kinds`` and ``selectors`` say what this set's owner can apply and match on (the ingest:
    every kind, by project; the web API: status/latency/reset, by endpoint, org and method).
    """

    faults: list[Fault] = field(default_factory=list)
    kinds: tuple[str, ...] = KINDS
    selectors: tuple[str, ...] = ("project",)
    _next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, spec: Mapping[str, Any], now: float) -> Fault:
        with self._lock:
            fault = fault_from_spec(spec, fault_id=self._next_id, now=now, kinds=self.kinds, selectors=self.selectors)
            self._next_id += 1
            self.faults.append(fault)
            return fault

    def remove(self, fault_id: int | None = None) -> list[Fault]:
        with self._lock:
            gone = [f for f in self.faults if fault_id is None or f.id == fault_id]
            self.faults = [f for f in self.faults if f not in gone]
            return gone

    def listing(self, now: float) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(f.as_dict(), active=f.active(now)) for f in self.faults]

    def decide(self, now: float, rng: random.Random, **attrs: Any) -> Decision:
        """Pick what happens to one request with these attributes. Cheap when no fault is set (the hot path)."""
        if not self.faults:
            return Decision()
        decision = Decision()
        with self._lock:
            for fault in self.faults:
                if not (fault.applies_to(attrs) and fault.active(now)):
                    continue
                if fault.probability < 1.0 and rng.random() >= fault.probability:
                    continue
                fault.matched += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                if fault.kind == "latency":
                    decision.delay_s += fault.latency_ms / 1000.0
                    continue
                decision.fault = fault
                break
            self.faults = [f for f in self.faults if f.active(now) or f.kind == "blackhole"]
        return decision
