"""The fault proxy: a TCP listener in front of one upstream, with Toxiproxy's toxics and semantics.

Runs on an asyncio loop (use `harness.chaos.runner.ChaosRunner` from synchronous code). Like a
Toxiproxy proxy it listens on one address, opens a fresh upstream connection per client, and
applies an ordered chain of toxics per direction; toxics can be added, updated and removed while
connections are open, and a disabled proxy refuses connections (its listener is closed and its open
connections are closed, as Toxiproxy's ``enabled: false`` does).

Differences from Toxiproxy, on purpose: a FIN from one side is passed on as a half-close (Toxiproxy
closes both sockets at once); toxicity is decided once per connection and toxic (and again when
the toxic is updated), not each time the chain changes. It must never listen anywhere but where it
was told, and never hold a socket or task after `stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import traceback
from collections.abc import Mapping
from dataclasses import dataclass

from harness.chaos.chain import ChainEntry, Counters
from harness.chaos.connection import Connection
from harness.chaos.spec import Address, Direction, ToxicSpec, parse_address

__all__ = [
    "FaultProxy",
    "ProxyError",
    "ProxyStats",
    "ToxicAlreadyExists",
    "ToxicNotFound",
    "ToxicStats",
]

CONNECT_TIMEOUT_S = 10.0


class ProxyError(Exception):
    """A request the proxy cannot honour (Toxiproxy answers these with 4xx)."""


class ToxicAlreadyExists(ProxyError):
    pass


class ToxicNotFound(ProxyError):
    pass


@dataclass(frozen=True, slots=True)
class ToxicStats:
    links: int
    """Connections (in the toxic's direction) that existed while the toxic was in place."""
    affected: int
    """Of those, the ones it was active on: with toxicity 1.0 all of them."""


@dataclass(frozen=True, slots=True)
class ProxyStats:
    accepted: int
    active: int
    upstream_failures: int
    """Clients whose upstream connection could not be opened (they were closed, as in Toxiproxy)."""
    bytes_read: Mapping[Direction, int]
    bytes_written: Mapping[Direction, int]
    writes: Mapping[Direction, int]
    toxics: Mapping[str, ToxicStats]


class FaultProxy:
    """One proxy: ``listen`` → ``upstream``, with toxics. Every method must run on the proxy's loop."""

    def __init__(
        self,
        upstream: str | tuple[str, int] | Address,
        *,
        listen: str | tuple[str, int] | Address = "127.0.0.1:0",
        name: str | None = None,
        seed: int | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_S,
    ) -> None:
        self.upstream = parse_address(upstream, what="upstream")
        self._listen = parse_address(listen, what="listen address")
        self.name = name or f"proxy-{self.upstream}"
        self.connect_timeout = connect_timeout
        self.counters = Counters()
        self.errors: list[str] = []
        """Unexpected failures inside the proxy (bugs, not network errors), with tracebacks."""
        self._rng = random.Random(seed)
        self._chain: dict[Direction, list[ChainEntry]] = {d: [] for d in Direction}
        self._listener: socket.socket | None = None
        self._connections: set[Connection] = set()
        self._pending: dict[asyncio.Task[None], socket.socket | asyncio.StreamWriter] = {}
        """Accepted connections not yet joined to an upstream, and what to close if they are cancelled."""
        self._lock = asyncio.Lock()
        self._stopped = False

    def __repr__(self) -> str:
        state = "enabled" if self.enabled else "disabled"
        return f"<FaultProxy {self.name} {self._listen} -> {self.upstream} {state}>"

    # Lifecycle.
    @property
    def listen(self) -> Address:
        """The bound address (the real port once started from port 0)."""
        return self._listen

    @property
    def enabled(self) -> bool:
        return self._listener is not None

    async def start(self) -> FaultProxy:
        await self.enable()
        return self

    async def enable(self) -> None:
        """Listen (again, on the same address: the port chosen at the first start is kept)."""
        async with self._lock:
            if self._stopped:
                raise ProxyError(f"{self.name} was stopped")
            if self._listener is not None:
                return
            listener = _listening_socket(self._listen)
            host, port = listener.getsockname()[:2]
            self._listen = Address(host, port)
            self._listener = listener
            asyncio.get_running_loop().add_reader(listener.fileno(), self._accept_ready, listener)

    async def disable(self) -> None:
        """Refuse new connections and close the open ones; toxics stay in place."""
        async with self._lock:
            await self._shut()

    async def stop(self) -> None:
        """Disable for good and wait until every connection task and socket is released."""
        async with self._lock:
            self._stopped = True
            await self._shut()

    async def _shut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            asyncio.get_running_loop().remove_reader(listener.fileno())
            listener.close()  # from here the kernel refuses connections; any not yet accepted are reset
        for task in list(self._pending):
            task.cancel()
        for conn in list(self._connections):
            conn.close()
        waiting = [*self._pending, *(c.task for c in self._connections if c.task is not None)]
        if waiting:
            await asyncio.gather(*waiting, return_exceptions=True)

    # Connections. Accepting is our own reader callback, not asyncio.Server or sock_accept: in Python
    # 3.11 both can leave a socket accepted around a disable unclosed (Server asserts in _attach;
    # sock_accept can run for a future already cancelled). remove_reader stops it at once.
    def _accept_ready(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(64):
            if self._listener is not listener:
                return
            try:
                client, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:
                # Out of descriptors or buffers: pause accepting for a moment, as asyncio's own server does.
                self.errors.append(f"{self.name}: accept failed: {exc}")
                loop.remove_reader(listener.fileno())
                loop.call_later(0.1, self._resume_accepting, listener)
                return
            client.setblocking(False)
            _set_nodelay(client)
            task = loop.create_task(self._serve(client), name=f"chaos {self.name}: connect upstream")
            self._pending[task] = client
            task.add_done_callback(self._served)

    def _resume_accepting(self, listener: socket.socket) -> None:
        if self._listener is listener:
            asyncio.get_running_loop().add_reader(listener.fileno(), self._accept_ready, listener)

    def _served(self, task: asyncio.Task[None]) -> None:
        held = self._pending.pop(task, None)
        if task.cancelled():
            # Cancelled by a disable or stop, possibly before it ran: what it held is still ours to close.
            if isinstance(held, socket.socket):
                held.close()
            elif held is not None:
                held.transport.abort()
            return
        if (exc := task.exception()) is not None:
            self.record_error(exc, "serving a connection")

    async def _serve(self, client: socket.socket) -> None:
        self.counters.accepted += 1
        task = asyncio.current_task()
        assert task is not None
        reader, writer = await _streams(client)
        self._pending[task] = writer  # the transport owns the socket now
        try:
            async with asyncio.timeout(self.connect_timeout):
                upstream = await asyncio.open_connection(self.upstream.host, self.upstream.port)
        except (OSError, TimeoutError):
            self.counters.upstream_failures += 1
            writer.close()  # as Toxiproxy: the client sees its connection closed
            return
        if self._listener is None:  # disabled while connecting
            writer.transport.abort()
            upstream[1].transport.abort()
            return
        if (sock := upstream[1].get_extra_info("socket")) is not None:
            _set_nodelay(sock)  # asyncio does it for a connected TCP socket; said here, not assumed
        conn = Connection(self, (reader, writer), upstream, random.Random(self._rng.getrandbits(64)))
        conn.task = task
        self._pending.pop(task, None)  # from here on it ends by closing, not by cancellation
        self._connections.add(conn)
        try:
            await conn.run()
        finally:
            self._connections.discard(conn)

    def record_error(self, exc: BaseException, where: str) -> None:
        detail = "".join(traceback.format_exception(exc)).rstrip()
        self.errors.append(f"{self.name}: {where}: {detail}")

    # Toxics.
    def chain_snapshot(self) -> dict[Direction, list[ChainEntry]]:
        return {d: list(entries) for d, entries in self._chain.items()}

    def toxics(self) -> list[ToxicSpec]:
        """Toxics in chain order, upstream ones first."""
        return [e.spec for d in Direction for e in self._chain[d]]

    def _find(self, name: str) -> ChainEntry:
        for entries in self._chain.values():
            for entry in entries:
                if entry.spec.name == name:
                    return entry
        raise ToxicNotFound(f"{self.name} has no toxic {name!r}")

    async def add_toxic(self, spec: ToxicSpec) -> ToxicSpec:
        """Append a toxic to its direction's chain, on open connections too."""
        async with self._lock:
            if any(e.spec.name == spec.name for entries in self._chain.values() for e in entries):
                raise ToxicAlreadyExists(f"{self.name} already has a toxic named {spec.name!r}")
            entry = ChainEntry(spec, spec.build())
            self._chain[spec.stream].append(entry)
            for conn in list(self._connections):
                if not conn.closing:
                    conn.links[spec.stream].add(entry)
            return spec

    async def update_toxic(
        self, name: str, *, toxicity: float | None = None, attributes: Mapping[str, int] | None = None
    ) -> ToxicSpec:
        """Change a toxic's attributes (those not given are kept) and/or toxicity, on open connections too."""
        async with self._lock:
            entry = self._find(name)
            spec = entry.spec.updated(toxicity=toxicity, attributes=attributes)
            entry.spec, entry.toxic = spec, spec.build()
            await asyncio.gather(*(c.links[spec.stream].update(entry) for c in list(self._connections)))
            return spec

    async def remove_toxic(self, name: str) -> None:
        async with self._lock:
            entry = self._find(name)
            self._chain[entry.spec.stream].remove(entry)
            await asyncio.gather(*(c.links[entry.spec.stream].remove(entry) for c in list(self._connections)))

    async def reset(self) -> None:
        """Remove every toxic and enable the proxy (Toxiproxy's ``POST /reset``)."""
        for spec in reversed(self.toxics()):
            await self.remove_toxic(spec.name)
        await self.enable()

    def toxic_stats(self, name: str) -> ToxicStats:
        entry = self._find(name)
        return ToxicStats(entry.links, entry.affected)

    def socket_options(self, level: int, option: int) -> list[dict[str, int]]:
        """``getsockopt(level, option)`` of each open connection's client and upstream sockets (how a test sees
        that a socket option, e.g. ``TCP_NODELAY``, is set on both sides)."""
        return [
            {
                side: writer.get_extra_info("socket").getsockopt(level, option)
                for side, writer in (("client", conn.client[1]), ("upstream", conn.upstream[1]))
            }
            for conn in list(self._connections)
        ]

    def stats(self) -> ProxyStats:
        c = self.counters
        return ProxyStats(
            accepted=c.accepted,
            active=len(self._connections),
            upstream_failures=c.upstream_failures,
            bytes_read=dict(c.bytes_read),
            bytes_written=dict(c.bytes_written),
            writes=dict(c.writes),
            toxics={e.spec.name: ToxicStats(e.links, e.affected) for es in self._chain.values() for e in es},
        )


def _set_nodelay(sock: socket.socket) -> None:
    """Turn Nagle's algorithm off, as Toxiproxy (Go's default) does on both of its sockets.

    The proxy writes each chunk as soon as it has read it, so one response written by the server in
    two pieces (uvicorn writes the head, then the body) can leave the proxy as two writes. With
    Nagle on, the second waits for the ACK of the first, which the client delays (40 ms on Linux)
    because it has not got a whole response to answer yet. asyncio sets TCP_NODELAY on the sockets
    it connects, but not on one accepted from a listener made with protocol 0 (its check wants
    ``proto == IPPROTO_TCP``), so it is set here on both sides explicitly.
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _listening_socket(address: Address) -> socket.socket:
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    infos = socket.getaddrinfo(address.host, address.port, family, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(infos[0][4])
        sock.listen(512)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def _streams(sock: socket.socket) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Streams over an accepted socket (what ``asyncio.open_connection`` does for a connected one)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(loop=loop)
    protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
    try:
        transport, _ = await loop.connect_accepted_socket(lambda: protocol, sock=sock)
    except BaseException:
        sock.close()
        raise
    return reader, asyncio.StreamWriter(transport, protocol, reader, loop)
