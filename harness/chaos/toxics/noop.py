"""``noop``: passes everything through; what a connection runs when toxicity says the toxic skips it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from harness.chaos.toxics.base import End, Pipe, Signal


@dataclass(frozen=True, slots=True)
class Noop:
    kind: ClassVar[str] = "noop"

    async def pipe(self, pipe: Pipe) -> None:
        while True:
            item = await pipe.receive()
            if item is Signal.INTERRUPTED:
                return
            if isinstance(item, Signal):  # TIMED_OUT cannot happen without a timeout
                continue
            pipe.send(item)
            if isinstance(item, End):
                return
