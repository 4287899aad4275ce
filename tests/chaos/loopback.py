"""Tiny loopback servers and socket helpers for the chaos tests, hosted on the chaos runner's loop.

Every wait here is on a condition with a deadline; nothing sleeps to synchronise.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Self

from harness.chaos import ChaosRunner

DEADLINE_S = 10.0


@dataclass
class ServerConnection:
    received: bytearray = field(default_factory=bytearray)
    first_byte_at: float | None = None
    eof_at: float | None = None
    closed_at: float | None = None
    reset: bool = False


class _LoopbackServer:
    """An asyncio server on 127.0.0.1:0 run on the chaos runner's loop; subclasses handle connections."""

    def __init__(self, runner: ChaosRunner) -> None:
        self.runner = runner
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> Self:
        async def _start() -> asyncio.Server:
            return await asyncio.start_server(self._accept, "127.0.0.1", 0)

        self._server = self.runner.call(_start())
        return self

    @property
    def address(self) -> tuple[str, int]:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return host, port

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _track(self._tasks, self._handle(reader, writer), writer)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._server is not None:
                await self._server.wait_closed()

        self.runner.call(_stop())


class EchoServer(_LoopbackServer):
    """Echoes what it gets; on EOF it closes. Records, per connection, what arrived and when (monotonic)."""

    def __init__(self, runner: ChaosRunner, *, echo: bool = True) -> None:
        super().__init__(runner)
        self.echo = echo
        self.connections: list[ServerConnection] = []
        self.changed = threading.Condition()

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        record = ServerConnection()
        with self.changed:
            self.connections.append(record)
            self.changed.notify_all()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    record.eof_at = time.monotonic()
                    break
                if record.first_byte_at is None:
                    record.first_byte_at = time.monotonic()
                record.received += data
                self._notify()
                if self.echo:
                    writer.write(data)
                    await writer.drain()
        except ConnectionError:
            record.reset = True
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                record.reset = True
            record.closed_at = time.monotonic()
            self._notify()

    def received(self, index: int) -> bytes:
        return bytes(self.connections[index].received) if len(self.connections) > index else b""

    def closed(self, index: int) -> bool:
        return len(self.connections) > index and self.connections[index].closed_at is not None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = DEADLINE_S, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
                self.changed.wait(left)


class HttpServer(_LoopbackServer):
    """A keep-alive HTTP/1.1 server that answers every request ``200 ok``; for experiments and timing."""

    def __init__(self, runner: ChaosRunner) -> None:
        super().__init__(runner)
        self.requests = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                self.requests += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def _track(tasks: set[asyncio.Task[None]], coro: Coroutine[Any, Any, None], writer: asyncio.StreamWriter) -> None:
    """Run a connection handler as a task; if it is cancelled before it ran, still close its socket."""
    task = asyncio.get_running_loop().create_task(coro)
    tasks.add(task)

    def done(t: asyncio.Task[None]) -> None:
        tasks.discard(t)
        if t.cancelled():
            writer.transport.abort()

    task.add_done_callback(done)


def connect(address: tuple[str, int], timeout: float = DEADLINE_S) -> socket.socket:
    sock = socket.create_connection(address, timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def recv_exactly(sock: socket.socket, n: int, timeout: float = DEADLINE_S) -> bytes:
    deadline = time.monotonic() + timeout
    buf = bytearray()
    while len(buf) < n:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        data = sock.recv(min(n - len(buf), 65536))
        if not data:
            raise AssertionError(f"EOF after {len(buf)} of {n} bytes")
        buf += data
    return bytes(buf)


def recv_until_closed(sock: socket.socket, timeout: float = DEADLINE_S) -> tuple[bytes, str]:
    """Read until the peer ends the stream; returns the bytes and how it ended: ``eof`` or ``reset``."""
    deadline = time.monotonic() + timeout
    buf = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the connection did not end within {timeout} s ({len(buf)} bytes read)")
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return bytes(buf), "reset"
        if not data:
            return bytes(buf), "eof"
        buf += data


def wait_until(predicate: Callable[[], bool], timeout: float = DEADLINE_S, what: str = "condition") -> None:
    """Poll a condition that has no event of its own (proxy counters) until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.002)  # sleep-ok: polls a proxy counter that has no event, bounded by the deadline


def open_sockets() -> int:
    """Sockets this process holds (Linux: /proc/self/fd)."""
    import os

    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count
