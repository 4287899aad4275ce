"""Switches that make the fake Spotify misbehave the ways the real one does.

A fault is plain data (``Fault``); ``FaultBook`` holds the active ones and hands out the first that
matches a request path, counting down ``times``. Faults come from the control route, from the
``FAKE_SPOTIFY_FAULTS`` environment variable (a JSON list of the same objects) or, for one request
only, from a search query of the form ``fault:<kind>[:<arg>]`` so tests sharing one instance do not
disturb each other.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

__all__ = ["FAULT_KINDS", "Fault", "FaultBook", "FaultKind", "fault_from_query", "parse_faults"]

FaultKind = Literal["expired-token", "rate-limit", "server-error", "slow"]
FAULT_KINDS: tuple[FaultKind, ...] = ("expired-token", "rate-limit", "server-error", "slow")


@dataclass(frozen=True, slots=True)
class Fault:
    """One misbehaviour. ``times`` None means until cleared; ``path`` is a prefix (None: every API path)."""

    kind: FaultKind
    status: int = 503
    retry_after: int = 1
    delay_ms: int = 500
    times: int | None = None
    path: str | None = None

    def matches(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)


# Numeric fields: name, default, lowest, highest.
_NUMBERS = (("status", 503, 500, 599), ("retry_after", 1, 0, 3600), ("delay_ms", 500, 0, 120_000))


def parse_fault(data: object) -> Fault:
    if not isinstance(data, dict):
        raise ValueError("a fault is a JSON object")
    raw = cast("dict[str, Any]", data)
    kind = raw.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    numbers: dict[str, int] = {}
    for name, default, lo, hi in _NUMBERS:
        value = raw.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise ValueError(f"{name} must be an integer in [{lo}, {hi}]")
        numbers[name] = value
    times = raw.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise ValueError("times must be a positive integer or null")
    path = raw.get("path")
    if path is not None and not isinstance(path, str):
        raise ValueError("path must be a string or null")
    return Fault(kind, numbers["status"], numbers["retry_after"], numbers["delay_ms"], times, path)


def parse_faults(text: str) -> list[Fault]:
    """Faults from JSON text: one object or a list of them."""
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    return [parse_fault(item) for item in items]


def fault_from_query(query: str) -> Fault | None:
    """A one-request fault named by a search query: ``fault:expired``, ``fault:429[:secs]``,
    ``fault:5xx`` or ``fault:<5xx status>``, ``fault:slow:<ms>``."""
    if not query.startswith("fault:"):
        return None
    kind, _, arg = query[len("fault:") :].partition(":")
    try:
        if kind == "expired":
            return Fault("expired-token", times=1)
        if kind == "429":
            return Fault("rate-limit", retry_after=int(arg) if arg else 1, times=1)
        if kind == "5xx":
            return Fault("server-error", status=503, times=1)
        if kind.isdigit() and 500 <= int(kind) <= 599:
            return Fault("server-error", status=int(kind), times=1)
        if kind == "slow":
            return Fault("slow", delay_ms=min(int(arg) if arg else 500, 120_000), times=1)
    except ValueError:
        return None
    return None


class FaultBook:
    """The active faults; thread-safe because uvicorn may run handlers while a control call lands."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = list(faults or [])

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, path: str) -> Fault | None:
        """The first fault matching ``path``, counting one use of it."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if not fault.matches(path):
                    continue
                if fault.times is not None:
                    if fault.times <= 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = replace(fault, times=fault.times - 1)
                return fault
        return None
