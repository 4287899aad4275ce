"""ASGI plumbing the fake Sentry and the recording relay share: one copy of each low-level helper.

Both answer their hot path in plain ASGI (no framework per request), so each used to spell out its
own response sending, bounded body reading and header decoding. Here also: the listening socket
bound before uvicorn starts (so ``--port 0``'s real port is known for a ready line), the uvicorn
protocol that puts the connection's transport into the scope and the helper that drops that
connection (how the ``reset`` and ``blackhole`` faults break a request the way a network would),
and the route table that binds module-level Starlette handlers to the typed state they serve.
Nothing here knows Sentry.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import struct
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = [
    "TRANSPORT_KEY",
    "BodyEnd",
    "Endpoint",
    "TransportInScopeProtocol",
    "abort_connection",
    "bind_routes",
    "bind_socket",
    "decode_headers",
    "encode_headers",
    "read_body",
    "send_json",
    "send_response",
]

TRANSPORT_KEY = "gate.transport"
"""Where `TransportInScopeProtocol` puts the connection's transport in an HTTP scope."""

BodyEnd = Literal["complete", "overflow", "disconnected"]
"""How reading a body ended: all of it, past the cap, or the client went away before its end."""

HeaderPairs = Sequence[tuple[bytes, bytes]]


# ---- requests -------------------------------------------------------------------------------------
def decode_headers(scope: Scope) -> list[tuple[str, str]]:
    """The request's headers as text, in order and with repeats (ASGI names arrive lower-cased)."""
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]


async def read_body(receive: Receive, cap: int) -> tuple[bytes, BodyEnd]:
    """Read the whole request body, stopping once it passes ``cap`` bytes (as they come, still compressed).

    Returns what was read and how reading ended (`BodyEnd`); after ``overflow`` the rest is never read.
    """
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(parts), "disconnected"
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return b"".join(parts), "overflow"
        parts.append(chunk)
        if not message.get("more_body"):
            return b"".join(parts), "complete"  # one part: joined without a copy


# ---- responses ------------------------------------------------------------------------------------
def encode_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(k.encode("latin-1"), v.encode()) for k, v in pairs]


async def send_response(send: Send, status: int, body: bytes, headers: HeaderPairs = ()) -> None:
    """Answer with ``body`` whole; ``content-length`` is added after ``headers``."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, value: Any, headers: HeaderPairs = ()) -> None:
    await send_response(send, status, orjson.dumps(value), [(b"content-type", b"application/json"), *headers])


# ---- connections ----------------------------------------------------------------------------------
class TransportInScopeProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, exposing the connection's transport as ``scope[TRANSPORT_KEY]``."""

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope[TRANSPORT_KEY] = self.transport  # type: ignore[literal-required]


def abort_connection(scope: Scope, *, reset: bool) -> bool:
    """Close the client's TCP connection without an HTTP answer; with ``reset`` send an RST.

    False when the server did not expose the transport (then the caller must answer instead).
    """
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:
        return False
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket to hand uvicorn: bound first, so the real port is known before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


# ---- route tables ---------------------------------------------------------------------------------
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[S]):
    """One row of a route table: a module-level handler that takes the app's state and the request."""

    path: str
    handler: Callable[[S, Request], Awaitable[Response]]
    methods: tuple[str, ...] | None = None
    """None: Starlette's default (GET and HEAD)."""


def bind_routes(table: Iterable[Endpoint[S]], state: S, *, prefix: str = "") -> list[Route]:
    """Starlette routes for a table, each handler bound to ``state``."""
    return [
        Route(
            prefix + row.path,
            functools.partial(row.handler, state),
            methods=list(row.methods) if row.methods is not None else None,
        )
        for row in table
    ]
