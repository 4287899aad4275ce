"""``limit_data``: lets ``bytes`` bytes through, then closes the connection (Toxiproxy ``toxics/limit_data.go``).

The count is per connection and direction and survives updates of the toxic; the chunk that
crosses the limit is cut at it. With ``bytes`` 0 the connection closes when the first data arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import Chunk, End, EndMode, Pipe, Signal


@dataclass(slots=True)
class LimitDataState:
    transmitted: int = 0


@dataclass(frozen=True, slots=True)
class LimitData:
    kind: ClassVar[str] = "limit_data"
    bytes: int = 0
    """Bytes let through before the connection is closed."""

    def new_state(self) -> object:
        return LimitDataState()

    async def pipe(self, pipe: Pipe) -> None:
        state = pipe.state
        assert isinstance(state, LimitDataState)
        while True:
            item = await pipe.receive()
            if item is Signal.INTERRUPTED:
                return
            if isinstance(item, Signal):
                continue
            if isinstance(item, End):
                pipe.send(item)
                return
            remaining = max(self.bytes - state.transmitted, 0)
            data = item.data[:remaining]
            if data:
                pipe.send(Chunk(data, item.timestamp))
                state.transmitted += len(data)
            if self.bytes - state.transmitted <= 0:
                pipe.send(End(EndMode.CLOSE))
                return
