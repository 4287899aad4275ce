"""``latency``: every chunk leaves ``latency`` ± ``jitter`` ms after it was read (Toxiproxy ``toxics/latency.go``).

The delay is measured from the chunk's timestamp, not from when this toxic got to it, so chunks that
queue behind a delayed one are not delayed twice; order is kept. Jitter is uniform over
[-jitter, jitter) ms, as in Toxiproxy; a negative total means no delay. The `End` is not delayed
beyond the chunks before it. Interrupted while holding a chunk, the toxic sends it on at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import Chunk, End, Pipe, Signal


@dataclass(frozen=True, slots=True)
class Latency:
    kind: ClassVar[str] = "latency"
    latency: int = 0
    """Milliseconds added to every chunk."""
    jitter: int = 0
    """Milliseconds of uniform variation around ``latency``."""

    def delay(self, rng: random.Random) -> float:
        """Seconds this chunk is held for: ``latency`` + uniform[-jitter, jitter) ms."""
        ms = self.latency
        if self.jitter > 0:
            ms += rng.randrange(-self.jitter, self.jitter)
        return ms / 1000

    async def pipe(self, pipe: Pipe) -> None:
        while True:
            item = await pipe.receive()
            if item is Signal.INTERRUPTED:
                return
            if isinstance(item, Signal):
                continue
            if isinstance(item, End):
                pipe.send(item)
                return
            delay = self.delay(pipe.rng)
            wait = delay - (pipe.now() - item.timestamp)
            if wait > 0 and not await pipe.sleep(wait):
                pipe.send(item)  # interrupted: never drop data on the floor
                return
            # The next latency toxic in the chain measures from when this one released the chunk.
            pipe.send(Chunk(item.data, item.timestamp + max(delay, 0.0)))
