"""``bandwidth``: at most ``rate`` KB/s (1 KB = 1000 bytes) per direction (Toxiproxy ``toxics/bandwidth.go``).

Each chunk adds ``len / rate`` to a running sleep budget; a chunk bigger than 100 ms worth of data is
sent in 100 ms slices, so a slow rate trickles instead of stalling. Oversleeping is credited to the
next chunk, which keeps the long-run rate exact. ``rate`` 0 means no limit (Toxiproxy would spin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import Chunk, End, Pipe, Signal


@dataclass(frozen=True, slots=True)
class Bandwidth:
    kind: ClassVar[str] = "bandwidth"
    rate: int = 0
    """Kilobytes (1000 bytes) per second; 0 means unlimited."""

    async def pipe(self, pipe: Pipe) -> None:
        budget = 0.0  # seconds still owed for data already let through
        while True:
            item = await pipe.receive()
            if item is Signal.INTERRUPTED:
                return
            if isinstance(item, Signal):
                continue
            if isinstance(item, End):
                pipe.send(item)
                return
            if self.rate <= 0:
                pipe.send(item)
                continue
            bytes_per_second = self.rate * 1000
            slice_size = self.rate * 100  # 100 ms worth
            budget += len(item.data) / bytes_per_second
            data = item.data
            while len(data) > slice_size:
                if not await pipe.sleep(0.1):
                    pipe.send(Chunk(data, item.timestamp))
                    return
                pipe.send(Chunk(data[:slice_size], item.timestamp))
                data = data[slice_size:]
                budget -= 0.1
            if budget > 0:
                start = pipe.now()
                if not await pipe.sleep(budget):
                    pipe.send(Chunk(data, item.timestamp))
                    return
                budget -= pipe.now() - start
            pipe.send(Chunk(data, item.timestamp))
