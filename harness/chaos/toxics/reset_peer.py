"""``reset_peer``: on the first data (or end) in its direction, wait ``timeout`` ms, then reset the connection.

Both sockets are closed with SO_LINGER 0 so each peer sees ``ECONNRESET`` (Toxiproxy
``toxics/reset_peer.go``); what arrives meanwhile is dropped. Removing the toxic while the reset is
pending resets at once instead of waiting (Toxiproxy blocks the removal until the reset happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import End, EndMode, Pipe, Signal


@dataclass(frozen=True, slots=True)
class ResetPeer:
    kind: ClassVar[str] = "reset_peer"
    timeout: int = 0
    """Milliseconds between the first data and the reset; 0 resets at once."""

    async def pipe(self, pipe: Pipe) -> None:
        while True:
            item = await pipe.receive()
            if item is Signal.INTERRUPTED:
                return
            if isinstance(item, Signal):
                continue
            if self.timeout > 0:
                await pipe.sleep(self.timeout / 1000)
            pipe.send(End(EndMode.RESET))
            return
