"""Toxiproxy's toxics, one per module, behind the `Toxic` protocol; the registry that builds them by name.

Attribute names, units and defaults are Toxiproxy's (``toxics/*.go``): milliseconds for times (the
slicer's ``delay`` is in microseconds), KB/s for ``bandwidth``, bytes for ``limit_data``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from harness.chaos.toxics.bandwidth import Bandwidth
from harness.chaos.toxics.base import (
    Chunk,
    CleanupToxic,
    End,
    EndMode,
    Item,
    Pipe,
    Signal,
    StatefulToxic,
    Toxic,
)
from harness.chaos.toxics.latency import Latency
from harness.chaos.toxics.limit_data import LimitData
from harness.chaos.toxics.noop import Noop
from harness.chaos.toxics.reset_peer import ResetPeer
from harness.chaos.toxics.slicer import Slicer
from harness.chaos.toxics.slow_close import SlowClose
from harness.chaos.toxics.timeout import Timeout

__all__ = [
    "TOXIC_TYPES",
    "Bandwidth",
    "Chunk",
    "CleanupToxic",
    "End",
    "EndMode",
    "Item",
    "Latency",
    "LimitData",
    "Noop",
    "Pipe",
    "ResetPeer",
    "Signal",
    "Slicer",
    "SlowClose",
    "StatefulToxic",
    "Timeout",
    "Toxic",
    "make_toxic",
    "toxic_attributes",
]

TOXIC_TYPES: dict[str, type[Toxic]] = {
    t.kind: t for t in (Latency, Bandwidth, SlowClose, Timeout, ResetPeer, Slicer, LimitData, Noop)
}
"""Every toxic type by its Toxiproxy name."""


def attribute_names(kind: str) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(_toxic_class(kind)))  # type: ignore[arg-type]


def make_toxic(kind: str, attributes: Mapping[str, object] | None = None) -> Toxic:
    """Build a toxic from its Toxiproxy type name and attributes; unknown names or bad values raise ValueError.

    Attributes are non-negative integers (``True``/``False`` are refused); missing ones take Toxiproxy's
    default of 0 (the slicer's ``average_size`` defaults to 1, the smallest that works).
    """
    cls = _toxic_class(kind)
    attributes = dict(attributes or {})
    known = attribute_names(kind)
    unknown = sorted(set(attributes) - set(known))
    if unknown:
        raise ValueError(f"{kind} has no attribute {', '.join(unknown)} (it has: {', '.join(known) or 'none'})")
    values: dict[str, int] = {}
    for name, value in attributes.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"{kind} {name} must be a whole number, not {value!r}")
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{kind} {name} must be a whole number, not {value!r}") from None
        if number < 0:
            raise ValueError(f"{kind} {name} must not be negative")
        values[name] = number
    return cls(**values)


def toxic_attributes(toxic: Toxic) -> dict[str, int]:
    """A toxic's attributes as Toxiproxy names them, e.g. ``{"latency": 200, "jitter": 50}``."""
    return {f.name: getattr(toxic, f.name) for f in dataclasses.fields(toxic)}  # type: ignore[arg-type]


def _toxic_class(kind: str) -> type[Toxic]:
    try:
        return TOXIC_TYPES[kind]
    except KeyError:
        raise ValueError(f"unknown toxic type {kind!r} (known: {', '.join(sorted(TOXIC_TYPES))})") from None
