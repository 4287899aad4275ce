"""The control API's one rule of access: loopback callers need no token, any other caller must send it.

When the ingest is bound to another interface, every control call (``/_gate/…``, the web API's
``/api/0/_gate/…``, and unknown paths) must carry ``Authorization: Bearer <token>``; the token is
printed at start. The ingest routes never need it (they authenticate like Relay), nor do the web
API's Sentry routes (they check sentry-cli's own bearer tokens).
"""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from harness.common.asgi import send_json


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class ControlGuard:
    """Refuses non-loopback callers without the token (plain ASGI, so it also guards 404s).

    ``token`` None: no guard (the ingest is bound to loopback only).
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        web_api = path.startswith("/api/0/") and not path.startswith("/api/0/_gate/")
        if scope["type"] == "http" and self.token is not None and not web_api:
            client = scope.get("client")
            if not (client and is_loopback(client[0])):
                token = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
                if token != f"Bearer {self.token}":
                    await send_json(send, 401, {"detail": "control API needs 'Authorization: Bearer <token>'"})
                    return
        await self.app(scope, receive, send)
