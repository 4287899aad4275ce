"""Scripted faults for the web API, so a test can show what ``sentry-cli`` does when Sentry fails.

A separate list from the ingest's (`state.faults`): an ingest fault is keyed by project id and
must never break a release upload by accident, and a web-API fault must never drop an SDK's
events. The model is the ingest's (`harness.ingest.faults`: ``kind``, ``status``, ``retry_after``,
``latency_ms``, ``count``, ``duration``, ``probability``), selecting by ``endpoint`` (one of
`ENDPOINTS`), ``org`` and ``method`` instead of project; an absent selector matches all. Kinds: ``status``
(answer that status with ``{"detail": …}``), ``latency`` (delay, then answer normally) and
``reset`` (drop the connection). Pure data; the ASGI layer applies the decision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.ingest.faults import Fault, FaultSet

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


def normalize_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Check the web API's own selectors; the rest is validated by the shared `fault_from_spec`."""
    endpoint = spec.get("endpoint")
    if endpoint is not None and endpoint not in ENDPOINTS:
        raise ValueError(f"'endpoint' {endpoint!r} is not one of {ENDPOINTS}")
    out = {k: v for k, v in spec.items() if k != "project"}
    if spec.get("org") is not None:
        out["org"] = str(spec["org"])
    if spec.get("method") is not None:
        out["method"] = str(spec["method"]).upper()
    return out


@dataclass
class WebFaultSet(FaultSet):
    """The ingest's fault model, selecting by endpoint, org and method instead of project."""

    kinds: tuple[str, ...] = KINDS
    selectors: tuple[str, ...] = ("endpoint", "org", "method")

    def add(self, spec: Mapping[str, Any], now: float) -> Fault:
        return FaultSet.add(self, normalize_spec(spec), now)
