"""The web API's plain-ASGI front: for every request (unknown paths included) classify it, apply
scripted faults, authenticate like Sentry, and log it; gate-only routes pass straight through."""

from __future__ import annotations

import asyncio
import contextlib
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harness.common.asgi import abort_connection, decode_headers, encode_headers, send_json
from harness.webapi.auth import WWW_AUTHENTICATE, AuthRefused, authenticate, require
from harness.webapi.faults import classify
from harness.webapi.responses import GATE
from harness.webapi.state import WebApi


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class Front:
    def __init__(self, api: WebApi, app: ASGIApp) -> None:
        self.api = api
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        if path.startswith(GATE):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        received_at = time.time()
        endpoint, org = classify(path)
        method = scope["method"]
        headers = {k.lower(): v for k, v in decode_headers(scope)}
        status_box = [0]
        reason: str | None = None
        fault_id: int | None = None

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
            await send(message)

        try:
            decision = self.api.faults.decide(received_at, self.api.rng, endpoint=endpoint, org=org, method=method)
            if decision.delay_s > 0:
                await asyncio.sleep(decision.delay_s)  # sleep-ok: an injected latency fault, not synchronisation
            if decision.fault is not None:
                fault = decision.fault
                fault_id = fault.id
                reason = f"fault {fault.id}: {fault.kind}"
                if fault.kind == "reset" and abort_connection(scope, reset=True):
                    return
                status = fault.status if fault.kind == "status" else 502
                reason += f" {status}"
                await send_json(recording_send, status, {"detail": reason}, encode_headers(fault.response_headers()))
                return
            try:
                principal = authenticate(headers.get("authorization"), org, self.api.lookup)
                if endpoint != "auth-info":
                    require(principal)
            except AuthRefused as refused:
                reason = refused.detail
                challenge = encode_headers({"www-authenticate": WWW_AUTHENTICATE})
                await send_json(recording_send, refused.status, {"detail": refused.detail}, challenge)
                return
            scope["gate.principal"] = principal
            await self.app(scope, receive, recording_send)
        finally:
            with contextlib.suppress(Exception):  # the log must never turn an answer into a 500
                self.api.store.log_request(
                    {
                        "received_at": received_at,
                        "method": method,
                        "path": path,
                        "org": org,
                        "endpoint": endpoint,
                        "status": status_box[0],
                        "reason": reason,
                        "fault": fault_id,
                        "duration_ms": (time.perf_counter() - started) * 1000,
                        "user_agent": headers.get("user-agent"),
                    }
                )
