"""``slow_close``: the end of the stream (FIN, or a close another toxic asked for) is held ``delay`` ms.

Data passes untouched (Toxiproxy ``toxics/slow_close.go``). Interrupted while holding the end, the
toxic sends it on at once (Toxiproxy would lose it and leave the connection open).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import End, Pipe, Signal


@dataclass(frozen=True, slots=True)
class SlowClose:
    kind: ClassVar[str] = "slow_close"
    delay: int = 0
    """Milliseconds to hold the close for."""

    async def pipe(self, pipe: Pipe) -> None:
        while True:
            item = await pipe.receive()
            if item is Signal.INTERRUPTED:
                return
            if isinstance(item, Signal):
                continue
            if isinstance(item, End):
                await pipe.sleep(self.delay / 1000)
                pipe.send(item)
                return
            pipe.send(item)
