"""The data path of one proxied connection: two links (one per direction), each a chain of toxic stages.

Reader → stage → stage → … → writer, as Toxiproxy's ``link.go`` chains goroutines with channels.
Here each stage is a task with an unbounded inbox; ``send`` never blocks, which is what lets a
toxic be added, updated or removed mid-connection by splicing queues without a race (nothing is
ever half-way through a put). Memory stays bounded anyway: a link's reader stops reading while
the bytes queued anywhere in that link exceed a high-water mark, and the writer waits for the
socket to drain. With no toxic a link is just reader → queue → writer.

This module must never drop or reorder bytes on its own: only a toxic may drop data. It sees its
proxy only as a `harness.chaos.chain.ProxyContext`, so it never imports `harness.chaos.proxy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from harness.chaos.chain import ChainEntry, ProxyContext
from harness.chaos.chunk_queue import ChunkQueue
from harness.chaos.spec import Direction
from harness.chaos.toxics import Chunk, CleanupToxic, End, EndMode, Item, Noop, Signal, StatefulToxic, Toxic

READ_SIZE = 64 * 1024
HIGH_WATER = 1024 * 1024
"""Bytes queued in one link above which its reader pauses."""
LOW_WATER = 256 * 1024
STAGE_STOP_TIMEOUT_S = 5.0
"""How long an update or removal waits for a toxic to let go (Toxiproxy waits 5 s to flush, too)."""
CLOSE_TIMEOUT_S = 2.0

_NOOP = Noop()


def _resolve(future: asyncio.Future[object], value: object) -> None:
    if not future.done():
        future.set_result(value)


class Stage:
    """One toxic on one link: the `Pipe` the toxic sees, and the task that runs it."""

    def __init__(self, link: Link, entry: ChainEntry) -> None:
        self.link = link
        self.entry = entry
        self.inbox = ChunkQueue(link.on_dequeued)
        self.output: ChunkQueue = link.outbox
        self.rng = link.rng
        self.toxic: Toxic = entry.toxic
        self.state: object = entry.toxic.new_state() if isinstance(entry.toxic, StatefulToxic) else None
        self.active = False
        self.ever_active = False
        self.finished = False
        """An `End` went through: nothing more will."""
        self.task: asyncio.Task[None] | None = None
        self._loop = link.loop
        self._interrupted = False
        self._wake: asyncio.Future[object] | None = None
        entry.links += 1

    # The Pipe protocol.
    def now(self) -> float:
        return self._loop.time()

    async def receive(self, within: float | None = None) -> Item | Signal:
        while True:
            if self._interrupted:
                return Signal.INTERRUPTED
            item = self.inbox.pop()
            if item is not None:
                return item
            fut: asyncio.Future[object] = self._loop.create_future()
            self.inbox.waiter = fut
            self._wake = fut
            timer = self._loop.call_later(within, _resolve, fut, Signal.TIMED_OUT) if within is not None else None
            try:
                result = await fut
            finally:
                self.inbox.waiter = None
                self._wake = None
                if timer is not None:
                    timer.cancel()
            if result is Signal.TIMED_OUT and not self._interrupted:
                return Signal.TIMED_OUT

    def send(self, item: Item) -> None:
        if self.finished:
            return
        if type(item) is Chunk:
            if not item.data:
                return
        else:
            self.finished = True
        self.output.put(item)

    async def sleep(self, seconds: float) -> bool:
        if self._interrupted:
            return False
        if seconds <= 0:
            return True
        fut: asyncio.Future[object] = self._loop.create_future()
        self._wake = fut
        timer = self._loop.call_later(seconds, _resolve, fut, None)
        try:
            await fut
        finally:
            self._wake = None
            timer.cancel()
        return not self._interrupted

    # Control, from the proxy.
    def start(self) -> None:
        """(Re)start with the entry's current toxic; toxicity is decided now, for this connection."""
        self.toxic = self.entry.toxic
        self.active = self.rng.random() < self.entry.spec.toxicity
        if self.active and not self.ever_active:
            self.ever_active = True
            self.entry.affected += 1
        self._interrupted = False
        self.task = self.link.conn.spawn(self._run(), f"toxic {self.entry.spec.name} {self.link.direction}")

    async def stop(self) -> bool:
        """Interrupt the toxic and wait until it returned; False if it would not let go in time."""
        task = self.task
        if task is None or task.done():
            return True
        self._interrupted = True
        if self._wake is not None:
            _resolve(self._wake, None)
        done, _ = await asyncio.wait({task}, timeout=STAGE_STOP_TIMEOUT_S)
        if not done:
            task.cancel()
            return False
        return True

    async def _run(self) -> None:
        toxic = self.toxic if self.active else _NOOP
        try:
            await toxic.pipe(self)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.link.conn.fail(exc, f"toxic {self.entry.spec.name} ({self.entry.spec.type})")


class Link:
    """One direction of one connection: read the source, run the chain, write the destination."""

    def __init__(
        self,
        conn: Connection,
        direction: Direction,
        *,
        source: asyncio.StreamReader,
        dest: asyncio.StreamWriter,
        chain: list[ChainEntry],
        rng: random.Random,
    ) -> None:
        self.conn = conn
        self.loop = conn.loop
        self.direction = direction
        self.source = source
        self.dest = dest
        self.rng = rng
        self.outbox = ChunkQueue(self.on_dequeued)
        self.stages: list[Stage] = []
        self._room: asyncio.Future[object] | None = None
        for entry in chain:
            self._append(entry)

    def start(self) -> None:
        for stage in self.stages:
            stage.start()
        self.conn.spawn(self._read(), f"read {self.direction}")
        self.conn.spawn(self._write(), f"write {self.direction}")

    # Flow control.
    def queued(self) -> int:
        return self.outbox.nbytes + sum(s.inbox.nbytes for s in self.stages)

    def on_dequeued(self) -> None:
        room = self._room
        if room is not None and not room.done() and self.queued() <= LOW_WATER:
            room.set_result(None)

    def _entry_queue(self) -> ChunkQueue:
        return self.stages[0].inbox if self.stages else self.outbox

    async def _read(self) -> None:
        stats = self.conn.proxy.counters
        direction = self.direction
        try:
            while True:
                data = await self.source.read(READ_SIZE)
                if not data:
                    self._entry_queue().put(End(EndMode.EOF))
                    return
                stats.bytes_read[direction] += len(data)
                self._entry_queue().put(Chunk(data, self.loop.time()))
                if self.queued() > HIGH_WATER:
                    self._room = self.loop.create_future()
                    try:
                        await self._room
                    finally:
                        self._room = None
        except (ConnectionError, OSError):
            # A reset or error on the source: close, as Toxiproxy does when a copy fails.
            self._entry_queue().put(End(EndMode.CLOSE))

    async def _write(self) -> None:
        stats = self.conn.proxy.counters
        direction = self.direction
        queue = self.outbox
        dest = self.dest
        transport = dest.transport
        try:
            while True:
                item = queue.pop()
                if item is None:
                    waiter: asyncio.Future[object] = self.loop.create_future()
                    queue.waiter = waiter
                    try:
                        await waiter
                    finally:
                        queue.waiter = None
                    continue
                if type(item) is Chunk:
                    if transport.is_closing():
                        self.conn.close(EndMode.CLOSE)
                        return
                    dest.write(item.data)
                    stats.bytes_written[direction] += len(item.data)
                    stats.writes[direction] += 1
                    if transport.get_write_buffer_size() > LOW_WATER:
                        await dest.drain()
                    continue
                assert isinstance(item, End)
                self.conn.on_end(self, item.mode)
                return
        except (ConnectionError, OSError):
            self.conn.close(EndMode.CLOSE)

    # Changes to the chain while the connection runs (the proxy serialises them).
    def _append(self, entry: ChainEntry) -> Stage:
        stage = Stage(self, entry)
        if self.stages:
            self.stages[-1].output = stage.inbox
        self.stages.append(stage)
        return stage

    def add(self, entry: ChainEntry) -> None:
        """Append a toxic: what is already past the end of the chain stays ahead of what goes through it."""
        self._append(entry).start()

    def find(self, entry: ChainEntry) -> Stage | None:
        return next((s for s in self.stages if s.entry is entry), None)

    async def update(self, entry: ChainEntry) -> None:
        stage = self.find(entry)
        if stage is None:
            return
        if not await stage.stop():
            self.conn.close(EndMode.CLOSE)
            return
        if not stage.finished and not self.conn.closing:
            stage.start()

    async def remove(self, entry: ChainEntry) -> None:
        stage = self.find(entry)
        if stage is None:
            return
        if not await stage.stop():
            self.conn.close(EndMode.CLOSE)
        if stage.active and not stage.finished and isinstance(stage.toxic, CleanupToxic):
            stage.toxic.cleanup(stage)
        # Splice, with no await in between: what waited for the removed toxic goes on, in order.
        index = self.stages.index(stage)
        for item in stage.inbox.take_all():
            stage.output.put(item)
        if index > 0:
            self.stages[index - 1].output = stage.output
        del self.stages[index]
        self.on_dequeued()


_LINGER_RESET = struct.pack("ii", 1, 0)


@dataclass(eq=False)
class Connection:
    """A client connection and its upstream connection, joined by two links."""

    proxy: ProxyContext
    client: tuple[asyncio.StreamReader, asyncio.StreamWriter]
    upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter]
    rng: random.Random
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    links: dict[Direction, Link] = field(default_factory=dict)
    mode: EndMode | None = None
    """How the connection ends, once it does."""
    task: asyncio.Task[None] | None = None
    """The task running `run`."""
    _done: asyncio.Event = field(default_factory=asyncio.Event)
    _eof: set[Direction] = field(default_factory=set)

    def __post_init__(self) -> None:
        chains = self.proxy.chain_snapshot()
        up_rng = random.Random(self.rng.getrandbits(64))
        down_rng = random.Random(self.rng.getrandbits(64))
        self.links[Direction.UPSTREAM] = Link(
            self,
            Direction.UPSTREAM,
            source=self.client[0],
            dest=self.upstream[1],
            chain=chains[Direction.UPSTREAM],
            rng=up_rng,
        )
        self.links[Direction.DOWNSTREAM] = Link(
            self,
            Direction.DOWNSTREAM,
            source=self.upstream[0],
            dest=self.client[1],
            chain=chains[Direction.DOWNSTREAM],
            rng=down_rng,
        )

    @property
    def closing(self) -> bool:
        return self.mode is not None

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = self.loop.create_task(coro, name=f"chaos {self.proxy.name}: {name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def run(self) -> None:
        """Pump both directions until the connection ends, then release every task and socket."""
        for link in self.links.values():
            link.start()
        try:
            await self._done.wait()
        finally:
            await self._teardown()

    def on_end(self, link: Link, mode: EndMode) -> None:
        if mode is not EndMode.EOF:
            self.close(mode)
            return
        try:
            if link.dest.can_write_eof() and not link.dest.transport.is_closing():
                link.dest.write_eof()
        except (ConnectionError, OSError):
            self.close(EndMode.CLOSE)
            return
        self._eof.add(link.direction)
        if len(self._eof) == 2:
            self.close(EndMode.EOF)

    def close(self, mode: EndMode = EndMode.CLOSE) -> None:
        if self.mode is None:
            self.mode = mode
            self._done.set()

    def fail(self, exc: BaseException, where: str) -> None:
        self.proxy.record_error(exc, where)
        self.close(EndMode.CLOSE)

    async def _teardown(self) -> None:
        self.close(EndMode.CLOSE)
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        writers = (self.client[1], self.upstream[1])
        for writer in writers:
            if self.mode is EndMode.RESET:
                _reset(writer)
            else:
                writer.close()
        for writer in writers:
            try:
                await asyncio.wait_for(writer.wait_closed(), CLOSE_TIMEOUT_S)
            except (TimeoutError, ConnectionError, OSError):
                writer.transport.abort()
            except asyncio.CancelledError:
                writer.transport.abort()
                raise


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0, so the peer gets a TCP RST instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    writer.transport.abort()
