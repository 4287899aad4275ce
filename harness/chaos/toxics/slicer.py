"""``slicer``: cuts each chunk into pieces of about ``average_size`` ± ``size_variation`` bytes.

Toxiproxy ``toxics/slicer.go``: a chunk is halved recursively (the cut moved by up to
``size_variation``) until a piece is within ``size_variation`` of ``average_size``; pieces are sent
``delay`` µs apart, which makes each one a separate write (and, with TCP_NODELAY, a separate segment).
Bytes and their order are never changed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import Chunk, End, Pipe, Signal


@dataclass(frozen=True, slots=True)
class Slicer:
    kind: ClassVar[str] = "slicer"
    average_size: int = 1
    """Bytes in an average piece (at least 1)."""
    size_variation: int = 0
    """Bytes a cut may move by; less than ``average_size``."""
    delay: int = 0
    """Microseconds between pieces."""

    def __post_init__(self) -> None:
        # Toxiproxy recurses forever on these; refuse them up front.
        if self.average_size < 1:
            raise ValueError("slicer average_size must be at least 1")
        if self.size_variation >= self.average_size:
            raise ValueError("slicer size_variation must be smaller than average_size")

    def cuts(self, size: int, rng: random.Random) -> list[tuple[int, int]]:
        """Where a chunk of ``size`` bytes is cut: (start, end) pairs that tile [0, size)."""
        pieces: list[tuple[int, int]] = []
        pending = [(0, size)]
        while pending:  # depth-first, left to right, without recursion
            start, end = pending.pop()
            if (end - start) - self.average_size <= self.size_variation:
                pieces.append((start, end))
                continue
            mid = start + (end - start) // 2
            if self.size_variation > 0:
                mid += rng.randrange(-self.size_variation, self.size_variation)
            pending.append((mid, end))
            pending.append((start, mid))
        return pieces

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
            data = item.data
            for start, end in self.cuts(len(data), pipe.rng):
                pipe.send(Chunk(data[start:end], item.timestamp))
                if end < len(data) and self.delay > 0 and not await pipe.sleep(self.delay / 1_000_000):
                    pipe.send(Chunk(data[end:], item.timestamp))
                    return
