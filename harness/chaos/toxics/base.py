"""What a toxic is and what it sees: the contract between the fault proxy and each toxic.

A toxic transforms one direction of one proxied connection. It reads items from a `Pipe` (byte
chunks, then one `End`), sends items on, and may sleep. The proxy runs one toxic per `Pipe` and chains
pipes in the order toxics were added, as Toxiproxy does. Toxics never touch sockets or the clock
directly, so the same code runs in the proxy (real sockets, the event loop's clock) and in
`harness.chaos.toxics.simulate` (a list of chunks, virtual time), where they are tested as pure
transforms of byte streams.

A toxic must never drop the `End` it receives (the connection would never finish), and when its
pipe is interrupted (it is being updated or removed) it sends on any chunk it holds and returns
promptly: data is only ever dropped on purpose (``timeout``, ``limit_data``, ``reset_peer``).
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

__all__ = [
    "Chunk",
    "CleanupToxic",
    "End",
    "EndMode",
    "Item",
    "Pipe",
    "Signal",
    "StatefulToxic",
    "Toxic",
]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes read from a socket in one go, stamped with when they were read (or were due to leave a toxic)."""

    data: bytes
    timestamp: float


class EndMode(enum.StrEnum):
    """How a direction ends, and what the proxy then does to the connection."""

    EOF = "eof"
    """The source closed its side: the destination gets a FIN (half-close); the connection ends when both did."""
    CLOSE = "close"
    """A toxic (or a read error) closes the connection: both sockets are closed after pending writes."""
    RESET = "reset"
    """A toxic resets the connection: both sockets are closed with SO_LINGER 0 (TCP RST), pending data dropped."""


@dataclass(frozen=True, slots=True)
class End:
    mode: EndMode = EndMode.EOF


Item = Chunk | End


class Signal(enum.Enum):
    """What `Pipe.receive` returns instead of an item."""

    INTERRUPTED = "interrupted"
    """The toxic is being updated or removed: send on what you hold, then return."""
    TIMED_OUT = "timed_out"
    """Nothing arrived within the timeout passed to `Pipe.receive`."""


class Pipe(Protocol):
    """One toxic's view of one direction of one connection."""

    rng: random.Random
    """Per-connection randomness (jitter, slice sizes): seeded from the proxy's seed when it has one."""
    state: object
    """What `StatefulToxic.new_state` made for this connection; kept across updates of the toxic."""

    def now(self) -> float:
        """Seconds on the clock that stamps `Chunk.timestamp`."""
        ...

    async def receive(self, within: float | None = None) -> Item | Signal:
        """The next item; `Signal.INTERRUPTED` when interrupted, `Signal.TIMED_OUT` after ``within`` seconds."""
        ...

    def send(self, item: Item) -> None:
        """Pass an item on to the next toxic (or the socket). Never blocks."""
        ...

    async def sleep(self, seconds: float) -> bool:
        """Wait; True when the time elapsed, False when interrupted first."""
        ...


class Toxic(Protocol):
    """A toxic type: a frozen dataclass of integer attributes (Toxiproxy's names and units) and a pipe loop."""

    kind: ClassVar[str]

    async def pipe(self, pipe: Pipe) -> None:
        """Move items from ``pipe`` on until an `End` was sent on (then return) or the pipe was interrupted."""
        ...


@runtime_checkable
class StatefulToxic(Protocol):
    """A toxic with per-connection state that survives updates (``limit_data`` counts bytes sent)."""

    def new_state(self) -> object: ...


@runtime_checkable
class CleanupToxic(Protocol):
    """A toxic that acts when removed from a connection it was active on (``timeout`` closes it)."""

    def cleanup(self, pipe: Pipe) -> None: ...
