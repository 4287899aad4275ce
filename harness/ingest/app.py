"""The ingest routes (``/api/<project>/envelope|store|security/``) on a lean plain-ASGI path.

Why plain ASGI: these routes carry the load (an SDK under Locust, the throughput budget), so they
do auth, a bounded decode, scripted faults and a queue hand-off and nothing else. Every other
request goes to the app behind (`harness.server` puts the control API and the web API there).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import time
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.common.asgi import abort_connection, decode_headers, encode_headers, read_body, send_response
from harness.envelope import Envelope
from harness.ingest.faults import Fault
from harness.ingest.processing import process
from harness.ingest.rows import RequestRecord
from harness.ingest.state import IngestState

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


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send_response(send, status, body, [(b"content-type", b"application/json"), *_CORS, *headers])


class IngestApp:
    """The ingest routes; every other request goes to ``fallback`` (the control API and the web API)."""

    def __init__(self, state: IngestState, fallback: ASGIApp) -> None:
        self.state = state
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            match = _INGEST_PATH.match(scope["path"])
            if match is not None:
                await self.ingest(scope, receive, send, int(match[1]), match[2])
                return
        await self.fallback(scope, receive, send)

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
        raw_headers = decode_headers(scope)
        headers = dict(raw_headers)
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
            body, ending = await read_body(receive, limit + 1024 * 1024)
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
            extra = encode_headers(fault.response_headers())

        record(status=answer_status, reason=reason, body=body, envelope=envelope, event_id=event_id)

        if fault is not None and fault.kind in ("reset", "blackhole"):
            if fault.kind == "blackhole":
                await self._hold(fault)
            if abort_connection(scope, reset=fault.kind == "reset"):
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
