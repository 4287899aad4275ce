"""What a fault proxy and its connections share: the toxic chain's entries, the byte counters, and
`ProxyContext`, the little a connection asks of the proxy that owns it.

`harness.chaos.proxy` builds connections (`harness.chaos.connection`) and hands each itself as a
`ProxyContext`; a connection sees only this module, so the two never import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from harness.chaos.spec import Direction, ToxicSpec
from harness.chaos.toxics import Toxic


@dataclass(eq=False)
class ChainEntry:
    """A toxic in a proxy's chain; stages on every connection point at it, so an update reaches them all."""

    spec: ToxicSpec
    toxic: Toxic
    links: int = 0
    """Connections (in this direction) the toxic was ever attached to."""
    affected: int = 0
    """Of those, how many it was active on (toxicity decided per connection)."""


@dataclass
class Counters:
    """A proxy's running totals; its connections' links add to the byte counts as they read and write."""

    accepted: int = 0
    upstream_failures: int = 0
    bytes_read: dict[Direction, int] = field(default_factory=lambda: dict.fromkeys(Direction, 0))
    bytes_written: dict[Direction, int] = field(default_factory=lambda: dict.fromkeys(Direction, 0))
    writes: dict[Direction, int] = field(default_factory=lambda: dict.fromkeys(Direction, 0))


class ProxyContext(Protocol):
    """What a connection needs of the proxy that accepted it (`harness.chaos.proxy.FaultProxy` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def counters(self) -> Counters: ...

    def chain_snapshot(self) -> dict[Direction, list[ChainEntry]]:
        """Each direction's toxics in order, as a new connection starts with them."""
        ...

    def record_error(self, exc: BaseException, where: str) -> None:
        """Keep an unexpected failure (a bug, not a network error) for the proxy's ``errors``."""
        ...
