"""Faults an experiment can inject and roll back on a fault proxy: a toxic, or the proxy taken down.

Each is idempotent on the way back: rolling back a fault that was never (fully) injected is a no-op,
so `run_experiment` can always roll back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from harness.chaos.proxy import ToxicNotFound
from harness.chaos.runner import ProxyHandle
from harness.chaos.spec import Direction, ToxicSpec

__all__ = ["ProxyDown", "ToxicFault"]


@dataclass
class ToxicFault:
    """A toxic on a proxy for the length of an experiment, e.g. ``ToxicFault(proxy, "latency", {"latency": 2000})``."""

    proxy: ProxyHandle
    type: str
    attributes: dict[str, int] = field(default_factory=dict)
    stream: Direction = Direction.DOWNSTREAM
    toxicity: float = 1.0
    toxic_name: str = ""
    spec: ToxicSpec | None = None
    """Set once injected."""

    @property
    def name(self) -> str:
        attrs = ",".join(f"{k}={v}" for k, v in self.attributes.items())
        share = "" if self.toxicity == 1.0 else f" on {self.toxicity:.0%} of connections"
        return f"{self.type}({attrs}) {self.stream.value} on {self.proxy.name}{share}"

    def inject(self) -> ToxicSpec:
        spec = ToxicSpec(self.type, self.attributes, Direction(self.stream), self.toxicity, self.toxic_name)
        self.spec = self.proxy.add(spec)
        return self.spec

    def rollback(self) -> None:
        if self.spec is None:
            return
        with contextlib.suppress(ToxicNotFound):
            self.proxy.remove_toxic(self.spec.name)
        self.spec = None


@dataclass
class ProxyDown:
    """The proxy disabled: every connection refused (Toxiproxy's ``enabled: false``)."""

    proxy: ProxyHandle

    @property
    def name(self) -> str:
        return f"{self.proxy.name} down (connections refused)"

    def inject(self) -> None:
        self.proxy.disable()

    def rollback(self) -> None:
        self.proxy.enable()
