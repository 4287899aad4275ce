"""Scripted faults for the web API, so a test can show what ``sentry-cli`` does when Sentry fails.

A separate list from the ingest's (`state.faults`): an ingest fault is keyed by project id and
must never break a release upload by accident, and a web-API fault must never drop an SDK's
events. The spec and validation are the ingest's (`fault_from_spec`: ``kind``, ``status``,
``retry_after``, ``latency_ms``, ``count``, ``duration``, ``probability``), plus two selectors:
``endpoint`` (one of `ENDPOINTS`, default all) and ``org`` (default all). Kinds: ``status``
(answer that status with ``{"detail": …}``), ``latency`` (delay, then answer normally) and
``reset`` (drop the connection). Pure data; the ASGI layer applies the decision.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.ingest.faults import Fault, fault_from_spec

ENDPOINTS = (
    "auth-info",
    "releases",
    "release",
    "project-releases",
    "deploys",
    "chunk-upload",
    "assemble",
    "other",
)
KINDS = ("status", "latency", "reset")

_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/?$"), "auth-info"),
    (re.compile(r"^/organizations/[^/]+/releases/?$"), "releases"),
    (re.compile(r"^/organizations/[^/]+/releases/[^/]+/deploys/?$"), "deploys"),
    (re.compile(r"^/organizations/[^/]+/releases/[^/]+/?$"), "release"),
    (re.compile(r"^/projects/[^/]+/[^/]+/releases/?$"), "project-releases"),
    (re.compile(r"^/organizations/[^/]+/chunk-upload/?$"), "chunk-upload"),
    (re.compile(r"^/organizations/[^/]+/artifactbundle/assemble/?$"), "assemble"),
)
_ORG = re.compile(r"^/(?:organizations|projects)/([^/]+)/")


def classify(path: str) -> tuple[str, str | None]:
    """(endpoint name, org slug) of a path relative to ``/api/0``."""
    endpoint = next((name for pattern, name in _ROUTES if pattern.match(path)), "other")
    match = _ORG.match(path)
    return endpoint, match.group(1) if match else None


@dataclass(slots=True)
class WebFault:
    fault: Fault
    endpoint: str | None = None
    org: str | None = None
    method: str | None = None

    def matches(self, endpoint: str, org: str | None, method: str) -> bool:
        return (
            (self.endpoint is None or self.endpoint == endpoint)
            and (self.org is None or self.org == org)
            and (self.method is None or self.method == method)
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.fault.as_dict(), "endpoint": self.endpoint, "org": self.org, "method": self.method}


def web_fault_from_spec(spec: Mapping[str, Any], *, fault_id: int, now: float) -> WebFault:
    kind = str(spec.get("kind", "status"))
    if kind not in KINDS:
        raise ValueError(f"web API fault kind {kind!r} is not one of {KINDS}")
    endpoint = spec.get("endpoint")
    if endpoint is not None and endpoint not in ENDPOINTS:
        raise ValueError(f"'endpoint' {endpoint!r} is not one of {ENDPOINTS}")
    method = spec.get("method")
    base = {k: v for k, v in spec.items() if k not in ("endpoint", "org", "method", "project")}
    return WebFault(
        fault=fault_from_spec(base, fault_id=fault_id, now=now),
        endpoint=endpoint,
        org=str(spec["org"]) if spec.get("org") is not None else None,
        method=str(method).upper() if method is not None else None,
    )


@dataclass(slots=True)
class Decision:
    delay_s: float = 0.0
    fault: WebFault | None = None


@dataclass
class WebFaultSet:
    faults: list[WebFault] = field(default_factory=list)
    _next_id: int = 1
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, spec: Mapping[str, Any], now: float) -> WebFault:
        with self._lock:
            fault = web_fault_from_spec(spec, fault_id=self._next_id, now=now)
            self._next_id += 1
            self.faults.append(fault)
            return fault

    def remove(self, fault_id: int | None = None) -> list[int]:
        with self._lock:
            gone = [f.fault.id for f in self.faults if fault_id is None or f.fault.id == fault_id]
            self.faults = [f for f in self.faults if f.fault.id not in gone]
            return gone

    def listing(self, now: float) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(f.as_dict(), active=f.fault.active(now)) for f in self.faults]

    def decide(self, endpoint: str, org: str | None, method: str, now: float, rng: random.Random) -> Decision:
        if not self.faults:
            return Decision()
        decision = Decision()
        with self._lock:
            for web in self.faults:
                fault = web.fault
                if not (web.matches(endpoint, org, method) and fault.active(now)):
                    continue
                if fault.probability < 1.0 and rng.random() >= fault.probability:
                    continue
                fault.matched += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                if fault.kind == "latency":
                    decision.delay_s += fault.latency_ms / 1000.0
                    continue
                decision.fault = web
                break
            self.faults = [f for f in self.faults if f.fault.active(now)]
        return decision
