"""``timeout``: a black hole. No data gets through; after ``timeout`` ms the connection is closed (0: never).

As in Toxiproxy (``toxics/timeout.go``): data is dropped, the timer restarts whenever a chunk
arrives (so it measures silence), an end from the source still passes, and removing the toxic
closes each connection it was active on, because what it dropped is gone and the stream can no
longer be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import End, EndMode, Pipe, Signal


@dataclass(frozen=True, slots=True)
class Timeout:
    kind: ClassVar[str] = "timeout"
    timeout: int = 0
    """Milliseconds of silence before the connection is closed; 0 holds it open until the toxic is removed."""

    async def pipe(self, pipe: Pipe) -> None:
        limit = self.timeout / 1000 if self.timeout > 0 else None
        while True:
            item = await pipe.receive(within=limit)
            if item is Signal.INTERRUPTED:
                return
            if item is Signal.TIMED_OUT:
                pipe.send(End(EndMode.CLOSE))
                return
            if isinstance(item, End):
                pipe.send(item)
                return
            # A chunk: dropped on the floor.

    def cleanup(self, pipe: Pipe) -> None:
        pipe.send(End(EndMode.CLOSE))
