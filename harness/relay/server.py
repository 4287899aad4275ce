"""Run the relay in this process: bind loopback, print one READY line, serve until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx
import uvicorn

from harness.common.asgi import bind_socket
from harness.ingest.limits import Limits
from harness.relay.app import RelayApp
from harness.relay.copies import AUDIT_TAR, RelayCopies
from harness.relay.forward import validate_upstream

__all__ = ["RelayOptions", "serve_relay"]


@dataclass
class RelayOptions:
    upstream: str
    host: str = "127.0.0.1"
    port: int = 0
    data: Path = field(default_factory=lambda: Path(".sentry-gate/relay"))
    limits: Limits = field(default_factory=Limits)
    timeout_s: float = 30.0
    """Upstream connect/read deadline; an SDK's own send timeout is of the same order."""
    tail: bool = False


def serve_relay(options: RelayOptions, out: TextIO = sys.stdout) -> None:
    upstream = validate_upstream(options.upstream)
    sock = bind_socket(options.host, options.port)
    host, port = sock.getsockname()[:2]
    copies = RelayCopies(options.data, options.limits)
    # trust_env=False: a proxy or netrc from the environment must not change where envelopes go.
    client = httpx.AsyncClient(timeout=options.timeout_s, trust_env=False, follow_redirects=False)

    def tail(line: str) -> None:
        print(line, file=out, flush=True)

    def ready() -> None:
        print(f"READY http://{host}:{port} upstream={upstream} data={options.data}", file=out, flush=True)
        print(
            f"DSN keep your Sentry DSN's key and project, with host http://{host}:{port};"
            f" after the run: sentry-gate audit {options.data / AUDIT_TAR}",
            file=out,
            flush=True,
        )

    app = RelayApp(upstream, copies, client, on_request=tail if options.tail else None, on_ready=ready)
    config = uvicorn.Config(
        app,
        lifespan="on",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    asyncio.run(server.serve(sockets=[sock]))
