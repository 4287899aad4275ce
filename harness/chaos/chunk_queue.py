"""The queue between two stages of a proxied link: a FIFO that counts its bytes and never blocks a producer.

A link (`harness.chaos.connection`) is a chain of these: reader → stage → … → writer. ``put`` never
waits, so a toxic can be spliced in or out mid-connection without a half-done put; the link keeps
memory bounded by pausing its reader on the bytes queued across all of them (``nbytes``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from harness.chaos.toxics import Chunk, Item


class ChunkQueue:
    """A FIFO of items that counts the bytes it holds and wakes one waiter; never blocks a producer."""

    __slots__ = ("_items", "_on_get", "nbytes", "waiter")

    def __init__(self, on_get: Callable[[], None] | None = None) -> None:
        self._items: deque[Item] = deque()
        self.nbytes = 0
        self.waiter: asyncio.Future[object] | None = None
        self._on_get = on_get

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Item) -> None:
        self._items.append(item)
        if type(item) is Chunk:
            self.nbytes += len(item.data)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pop(self) -> Item | None:
        if not self._items:
            return None
        item = self._items.popleft()
        if type(item) is Chunk:
            self.nbytes -= len(item.data)
            if self._on_get is not None:
                self._on_get()
        return item

    def take_all(self) -> list[Item]:
        items = list(self._items)
        self._items.clear()
        self.nbytes = 0
        return items
