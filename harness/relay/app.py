"""The relay's ASGI app: read the body (bounded), forward it unchanged, answer with the upstream's answer.

The request's method, path, raw query, end-to-end headers and body bytes (still compressed) go to
the upstream as they came; the upstream's status, headers and raw body bytes come back the same way.
The copy is recorded whatever happens upstream: an unreachable Sentry answers 502 to the SDK (which
then counts a ``network_error``/``send_error`` as it would against Sentry) and the copy is kept.
Bodies over the ingest's envelope limit are refused with 413 and never forwarded, as Relay would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from starlette.types import Receive, Scope, Send

from harness.common.asgi import decode_headers, read_body, send_json, send_response
from harness.relay.copies import RelayCopies
from harness.relay.forward import forwardable_headers, upstream_url

__all__ = ["RelayApp"]


@dataclass(frozen=True, slots=True)
class _Seen:
    """A request as the SDK sent it."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes


_OVERHEAD = 1024 * 1024
"""Slack over the envelope limit before reading stops, as the ingest allows."""


class RelayApp:
    def __init__(
        self,
        upstream: str,
        copies: RelayCopies,
        client: httpx.AsyncClient,
        *,
        on_request: Callable[[str], None] | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.upstream = upstream
        self.copies = copies
        self.client = client
        self.on_request = on_request
        self.on_ready = on_ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets are not part of Sentry's ingest
            return
        method: str = scope["method"]
        path: str = scope["path"]
        query = scope["query_string"].decode("latin-1")
        headers = decode_headers(scope)
        # A client that goes away mid-body: what came is still forwarded, and kept.
        body, end = await read_body(receive, self.copies.limits.max_envelope_size + _OVERHEAD)
        seen = _Seen(method, path, query, headers, body)
        if end == "overflow":
            reason = f"body exceeds {self.copies.limits.max_envelope_size} bytes: not forwarded"
            await self._record(seen, 413, reason)
            await send_json(send, 413, {"detail": reason})
            return
        try:
            # httpx.Request, not client.build_request: the client would add its own default headers.
            request = httpx.Request(
                method, upstream_url(self.upstream, path, query), headers=forwardable_headers(headers), content=body
            )
            response = await self.client.send(request, stream=True)
            try:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            reason = f"upstream unreachable: {type(exc).__name__}: {exc}"
            await self._record(seen, 502, reason)
            await send_json(send, 502, {"detail": reason})
            return
        await self._record(seen, response.status_code, None)
        out_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in forwardable_headers(response.headers.multi_items())
            if k.lower() != "content-length"
        ]
        await send_response(send, response.status_code, raw, out_headers)

    async def _record(self, seen: _Seen, status: int, reason: str | None) -> None:
        # Decoding for the copy is CPU work: off the event loop, so other requests keep flowing.
        await asyncio.to_thread(
            self.copies.record,
            method=seen.method,
            path=seen.path,
            query=seen.query,
            headers=seen.headers,
            status=status,
            reason=reason,
            body=seen.body,
        )
        if self.on_request is not None:
            line = f"{status} {seen.method} {seen.path} {len(seen.body)} bytes"
            self.on_request(line + (f" ({reason})" if reason else ""))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
                # The socket was listening before uvicorn started: a client that connects on seeing
                # the ready line is queued by the kernel, never refused.
                if self.on_ready is not None:
                    self.on_ready()
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await asyncio.to_thread(self.copies.close)
                await send({"type": "lifespan.shutdown.complete"})
                return
