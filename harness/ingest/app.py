"""The fake Sentry's ASGI application: the ingest routes on a lean path, the control API on Starlette.

Why two layers: the ingest routes carry the load (an SDK under Locust, the throughput budget),
so they are a plain ASGI handler that does auth, a bounded decode and a queue hand-off and nothing
else; everything else (projects, queries, waits, faults, export) is an ordinary Starlette app
mounted behind it under ``/_gate/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import random
import re
import secrets
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson

from harness.envelope import Envelope
from harness.ingest.faults import Fault, FaultSet
from harness.ingest.limits import Limits
from harness.ingest.processing import process
from harness.ingest.store import RequestRecord, Store

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CONTROL_PREFIX = "/_gate"
_INGEST_PATH = re.compile(r"^/api/(\d+)/(envelope|store|security)/?$")
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"x-sentry-error, x-sentry-rate-limits, retry-after"),
    (b"vary", b"origin"),
]
_PREFLIGHT_ALLOW = (
    b"x-sentry-auth, x-requested-with, origin, accept, content-type, authentication, authorization,"
    b" content-encoding, transfer-encoding, sentry-trace, baggage"
)
_HOLD_CAP_S = 600.0
"""A black-holed request is never held longer than this, so no test can hang the ingest forever."""


@dataclass
class IngestState:
    store: Store
    limits: Limits = field(default_factory=Limits)
    keys_by_project: dict[int, frozenset[str]] = field(default_factory=dict)
    names: dict[int, str | None] = field(default_factory=dict)
    faults: FaultSet = field(default_factory=FaultSet)
    base_url: str = ""
    control_token: str | None = None
    rng: random.Random = field(default_factory=random.Random)
    commit_event: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None
    fault_ended: dict[int, asyncio.Event] = field(default_factory=dict)
    on_request: Callable[[RequestRecord], None] | None = None
    """Called for each recorded request (the CLI's live tail)."""

    # ---- projects -----------------------------------------------------------------------------
    def add_project(self, project_id: int | None = None, key: str | None = None, name: str | None = None) -> int:
        pid = project_id if project_id is not None else max(self.keys_by_project, default=0) + 1
        key = key or secrets.token_hex(16)
        self.keys_by_project[pid] = frozenset({key})
        self.names[pid] = name
        self.store.save_project(pid, key, name)
        return pid

    def load_projects(self) -> None:
        for pid, key, name in self.store.load_projects():
            self.keys_by_project[pid] = frozenset({key})
            self.names[pid] = name

    def dsn(self, project_id: int) -> str:
        key = next(iter(self.keys_by_project[project_id]))
        scheme, _, host = self.base_url.partition("://")
        return f"{scheme}://{key}@{host}/{project_id}"

    def project_info(self, project_id: int) -> dict[str, Any]:
        return {
            "id": project_id,
            "key": next(iter(self.keys_by_project[project_id])),
            "name": self.names.get(project_id),
            "dsn": self.dsn(project_id),
        }

    # ---- commit notifications (writer thread → event loop) --------------------------------------
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.commit_event = asyncio.Event()
        self.store.on_commit = self._on_commit_threadsafe

    def _on_commit_threadsafe(self, touched: set[int]) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._wake_waiters)

    def _wake_waiters(self) -> None:
        if self.commit_event is not None:
            self.commit_event.set()
            self.commit_event = asyncio.Event()

    def fault_removed(self, faults: list[Fault]) -> None:
        for fault in faults:
            ended = self.fault_ended.pop(fault.id, None)
            if ended is not None:
                ended.set()


def _headers(scope: Scope) -> tuple[dict[str, str], list[tuple[str, str]]]:
    raw = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    return dict(raw), raw


def _json_response(status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None) -> Message:
    return {"status": status, "body": orjson.dumps(body), "headers": extra or []}


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *_CORS,
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _abort_connection(scope: Scope, *, reset: bool) -> bool:
    """Close the client's TCP connection without an HTTP answer; with ``reset`` send an RST."""
    transport = scope.get("gate.transport")
    if transport is None:
        return False
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class IngestApp:
    def __init__(self, state: IngestState, control: Any) -> None:
        self.state = state
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            match = _INGEST_PATH.match(scope["path"])
            if match is not None:
                await self.ingest(scope, receive, send, int(match[1]), match[2])
                return
        await self.control(scope, receive, send)

    async def _read_body(self, receive: Receive, cap: int) -> tuple[bytes, str]:
        """Read the whole request body, stopping once it passes ``cap`` compressed bytes.

        Returns the bytes and how reading ended: ``complete``, ``overflow`` (past ``cap``), or
        ``disconnected`` (the client went away before the end of its body).
        """
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", "disconnected"
        body: bytes = message.get("body", b"")
        if not message.get("more_body"):
            return body, "complete"
        parts = [body]
        size = len(body)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(parts), "disconnected"
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                return b"".join(parts), "overflow"
            parts.append(chunk)
            if not message.get("more_body"):
                return b"".join(parts), "complete"

    async def ingest(self, scope: Scope, receive: Receive, send: Send, project: int, endpoint: str) -> None:
        state = self.state
        method = scope["method"]
        if method == "OPTIONS":
            await _send(
                send,
                200,
                b"",
                [
                    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                    (b"access-control-allow-headers", _PREFLIGHT_ALLOW),
                    (b"access-control-max-age", b"3600"),
                ],
            )
            return
        received_at = time.time()
        headers, raw_headers = _headers(scope)
        qs = scope["query_string"].decode("latin-1")
        query = dict(parse_qsl(qs, keep_blank_values=True))
        record = functools.partial(
            self._record,
            scope,
            project=project,
            endpoint=endpoint,
            received_at=received_at,
            raw_headers=raw_headers,
            qs=qs,
        )
        reason: str | None
        if method != "POST":
            outcome_status, reason, body, envelope, event_id = 405, f"method {method} not allowed", b"", None, None
        else:
            limit = state.limits.max_envelope_size if endpoint == "envelope" else state.limits.max_api_payload_size
            body, ending = await self._read_body(receive, limit + 1024 * 1024)
            if ending == "disconnected":
                # Never processed: a body cut at an item boundary would otherwise be stored as
                # accepted although its client got no answer. Recorded (status 0, like a fault
                # that drops the connection) so a test can see the attempt.
                reason = f"client disconnected after {len(body)} bytes of the body, before its end"
                record(status=0, reason=reason, body=body, envelope=None, event_id=None)
                return
            if ending == "overflow":
                outcome_status, reason, envelope, event_id = 413, f"body exceeds {limit} bytes", None, None
            else:
                outcome = process(
                    endpoint=endpoint,
                    project=project,
                    headers=headers,
                    query=query,
                    body=body,
                    keys_by_project=state.keys_by_project,
                    limits=state.limits,
                )
                outcome_status, reason = outcome.status, outcome.reason
                envelope, event_id = outcome.envelope, outcome.event_id

        decision = state.faults.decide(received_at, state.rng, project=project)
        if decision.delay_s > 0:
            await asyncio.sleep(decision.delay_s)  # sleep-ok: an injected latency fault, not synchronisation
        fault = decision.fault
        answer_status = outcome_status
        extra: list[tuple[bytes, bytes]] = []
        if fault is not None:
            answer_status = fault.status if fault.kind == "status" else 0
            reason = f"fault {fault.id}: {fault.kind}" + (f" {fault.status}" if fault.kind == "status" else "")
            extra = [(k.encode(), v.encode()) for k, v in fault.response_headers().items()]

        record(status=answer_status, reason=reason, body=body, envelope=envelope, event_id=event_id)

        if fault is not None and fault.kind in ("reset", "blackhole"):
            if fault.kind == "blackhole":
                await self._hold(fault)
            if _abort_connection(scope, reset=fault.kind == "reset"):
                return
            answer_status, reason = 502, f"fault {fault.id}: {fault.kind} (connection could not be aborted)"
        if 200 <= answer_status < 300:
            body_out = b'{"id":"' + event_id.encode() + b'"}' if event_id else b'{"id":null}'
        else:
            body_out = orjson.dumps({"detail": reason})
            extra.append((b"x-sentry-error", (reason or "").encode("latin-1", "replace")))
        await _send(send, answer_status, body_out, extra)

    def _record(
        self,
        scope: Scope,
        *,
        project: int,
        endpoint: str,
        received_at: float,
        raw_headers: list[tuple[str, str]],
        qs: str,
        status: int,
        reason: str | None,
        body: bytes,
        envelope: Envelope | None,
        event_id: str | None,
    ) -> None:
        state = self.state
        record = RequestRecord(
            id=state.store.next_request_id(),
            project=project,
            received_at=received_at,
            method=scope["method"],
            path=scope["path"],
            query=qs,
            headers=raw_headers,
            status=status,
            reason=reason,
            endpoint=endpoint,
            body=body,
            envelope=envelope,
            event_id=event_id,
        )
        state.store.submit(record)
        if state.on_request is not None:
            state.on_request(record)

    async def _hold(self, fault: Fault) -> None:
        ended = self.state.fault_ended.setdefault(fault.id, asyncio.Event())
        timeout = _HOLD_CAP_S
        if fault.until is not None:
            timeout = min(timeout, max(0.0, fault.until - time.time()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ended.wait(), timeout)


def new_state(data_dir: Path, *, limits: Limits | None = None, synchronous: str = "NORMAL") -> IngestState:
    store = Store(data_dir / "ingest.sqlite3", synchronous=synchronous)
    state = IngestState(store=store, limits=limits or Limits())
    state.load_projects()
    return state
