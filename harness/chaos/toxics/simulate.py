"""Run one toxic over a list of chunks in virtual time: a toxic as a pure transform of a byte stream.

``simulate(Latency(latency=100), [(0.0, b"ab"), (0.01, b"cd")])`` returns what leaves the toxic and
when, without sockets, threads or real sleeps. The toxic's coroutine is stepped by hand: every
`Pipe` method here completes without suspending, so virtual time only moves when the toxic waits
for input that has not arrived yet, waits for a timeout, or sleeps. Used by the tests and to show
in docs what a toxic does; it must stay free of I/O.
"""

from __future__ import annotations

import random
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.chaos.toxics.base import Chunk, End, EndMode, Item, Signal, StatefulToxic, Toxic

__all__ = ["Emitted", "SimulatedPipe", "run_chain", "simulate"]


@dataclass(frozen=True, slots=True)
class Emitted:
    """An item that left the toxic at virtual time ``at``."""

    at: float
    item: Item


@dataclass
class SimulatedPipe:
    """A `Pipe` over a list of (arrival time, item) pairs, with a virtual clock."""

    arrivals: list[tuple[float, Item]]
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    state: object = None
    interrupt_at: float | None = None
    """Virtual time at which the toxic is interrupted (as when it is updated or removed)."""
    clock: float = 0.0
    out: list[Emitted] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    _next: int = 0

    def now(self) -> float:
        return self.clock

    @property
    def interrupted(self) -> bool:
        return self.interrupt_at is not None and self.clock >= self.interrupt_at

    def _advance(self, to: float) -> bool:
        """Move the clock to ``to`` unless the interrupt comes first; True when ``to`` was reached."""
        if self.interrupt_at is not None and self.interrupt_at <= to:
            self.clock = max(self.clock, self.interrupt_at)
            return False
        self.clock = max(self.clock, to)
        return True

    async def receive(self, within: float | None = None) -> Item | Signal:
        if self.interrupted:
            return Signal.INTERRUPTED
        if self._next >= len(self.arrivals):
            # Nothing more will arrive: the only ways out are the timeout or the interrupt.
            if within is not None and self._advance(self.clock + within):
                return Signal.TIMED_OUT
            if self.interrupt_at is None:
                raise RuntimeError("the toxic waits for input after the last item and is never interrupted")
            self._advance(self.interrupt_at)
            return Signal.INTERRUPTED
        at, item = self.arrivals[self._next]
        if within is not None and at > self.clock + within:
            return Signal.TIMED_OUT if self._advance(self.clock + within) else Signal.INTERRUPTED
        if not self._advance(at):
            return Signal.INTERRUPTED
        self._next += 1
        return item

    def send(self, item: Item) -> None:
        self.out.append(Emitted(self.clock, item))

    async def sleep(self, seconds: float) -> bool:
        self.sleeps.append(seconds)
        return self._advance(self.clock + max(seconds, 0.0))

    # Views of the result.
    @property
    def data(self) -> bytes:
        return b"".join(e.item.data for e in self.out if isinstance(e.item, Chunk))

    @property
    def end(self) -> End | None:
        ends = [e.item for e in self.out if isinstance(e.item, End)]
        return ends[-1] if ends else None

    @property
    def end_at(self) -> float | None:
        ends = [e.at for e in self.out if isinstance(e.item, End)]
        return ends[-1] if ends else None


def simulate(
    toxic: Toxic,
    chunks: Iterable[tuple[float, bytes | Chunk]],
    *,
    end: EndMode | None = EndMode.EOF,
    end_at: float | None = None,
    interrupt_at: float | None = None,
    seed: int = 0,
    state: object = None,
) -> SimulatedPipe:
    """Feed ``chunks`` (arrival time in seconds, bytes), then an `End` (unless ``end`` is None), through ``toxic``.

    Bytes are stamped with their arrival time; a `Chunk` keeps its own stamp (as chunks do between
    toxics in the proxy, where only ``latency`` moves a stamp). ``end_at`` defaults to the last
    chunk's arrival. Returns the pipe: ``out`` holds what left and when, ``data``/``end``/``end_at``
    summarise it. ``state`` defaults to a fresh `StatefulToxic` state.
    """
    arrivals: list[tuple[float, Item]] = [
        (at, data if isinstance(data, Chunk) else Chunk(data, at)) for at, data in chunks
    ]
    if end is not None:
        last = arrivals[-1][0] if arrivals else 0.0
        arrivals.append((last if end_at is None else end_at, End(end)))
    if state is None and isinstance(toxic, StatefulToxic):
        state = toxic.new_state()
    pipe = SimulatedPipe(arrivals, rng=random.Random(seed), state=state, interrupt_at=interrupt_at)
    _run_to_completion(toxic.pipe(pipe))
    return pipe


def run_chain(toxics: Sequence[Toxic], chunks: Iterable[tuple[float, bytes]], *, seed: int = 0) -> SimulatedPipe:
    """Feed ``chunks`` through several toxics in order, each seeing what the previous one emitted and when."""
    pipe: SimulatedPipe | None = None
    items: list[tuple[float, bytes | Chunk]] = list(chunks)
    end_mode: EndMode | None = EndMode.EOF
    end_at: float | None = None
    for toxic in toxics:
        pipe = simulate(toxic, items, end=end_mode, end_at=end_at, seed=seed)
        items = [(e.at, e.item) for e in pipe.out if isinstance(e.item, Chunk)]
        end_mode = pipe.end.mode if pipe.end else None
        end_at = pipe.end_at
    assert pipe is not None, "run_chain needs at least one toxic"
    return pipe


def _run_to_completion(coro: Coroutine[Any, Any, None]) -> None:
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise RuntimeError("a toxic awaited something other than its pipe; toxics may only await Pipe methods")
