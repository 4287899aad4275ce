"""Run the fake Sentry in this process: bind, print one ready line, serve until SIGTERM/SIGINT.

The socket is bound before uvicorn starts so the real port (``--port 0``) is known for the ready
line and the DSNs. uvicorn runs with `TransportInScopeProtocol`, which puts the connection's
transport into the ASGI scope: that is what lets the ``reset`` and ``blackhole`` faults drop a
connection the way a broken network would, instead of answering.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import uvicorn

from harness.common.asgi import TransportInScopeProtocol, bind_socket
from harness.errors import UsageError
from harness.ingest.app import IngestApp
from harness.ingest.guard import is_loopback
from harness.ingest.limits import Limits
from harness.ingest.state import IngestState, new_state
from harness.server.app import build_app

__all__ = ["ServeOptions", "build", "parse_project_spec", "ready_lines", "serve"]

try:
    import uvloop

    _LOOP_FACTORY: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop on Linux
    _LOOP_FACTORY = None


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 0
    data: Path = field(default_factory=lambda: Path(".sentry-gate/ingest"))
    projects: list[tuple[int, str]] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    synchronous: str = "NORMAL"
    control_token: str | None = None
    api_token: str | None = None
    """A web-API token every organization accepts (the settings' ``api_token``)."""
    default_project: bool = True
    """Create project 1 with a random key when the data folder has none and none is declared."""


def parse_project_spec(text: str) -> tuple[int, str]:
    """``--project 1:0123abcd…`` → (1, "0123abcd…")."""
    pid, sep, key = text.partition(":")
    if not sep or not pid.isdigit() or not key:
        raise UsageError(f"--project {text!r} is not ID:KEY (e.g. 1:{secrets.token_hex(16)})")
    return int(pid), key


def build(
    options: ServeOptions, sock: socket.socket, *, on_ready: Callable[[], None] | None = None
) -> tuple[IngestApp, IngestState]:
    state = new_state(options.data, limits=options.limits, synchronous=options.synchronous)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    state.base_url = f"http://{shown}:{port}"
    if not is_loopback(options.host):
        state.control_token = options.control_token or secrets.token_urlsafe(24)
    for pid, key in options.projects:
        state.add_project(pid, key)
    if options.default_project and not state.keys_by_project:
        state.add_project(1, None, "default")
    return build_app(state, on_ready=on_ready, api_token=options.api_token), state


def ready_lines(state: IngestState, data: Path) -> list[str]:
    lines = [f"READY {state.base_url} data={data}"]
    if state.control_token:
        lines.append(f"CONTROL-TOKEN {state.control_token}")
    lines += [f"DSN project={pid} {state.dsn(pid)}" for pid in sorted(state.keys_by_project)]
    return lines


def serve(
    options: ServeOptions, out: TextIO = sys.stdout, *, on_state: Callable[[IngestState], None] | None = None
) -> None:
    """Serve until a signal; prints the ready line only once the app is accepting."""
    sock = bind_socket(options.host, options.port)

    def announce() -> None:
        # Runs in the lifespan start-up: the socket is already listening, so a client that
        # connects on seeing this line is queued by the kernel, never refused.
        for line in ready_lines(state, options.data):
            print(line, file=out, flush=True)

    app, state = build(options, sock, on_ready=announce)
    if on_state is not None:
        on_state(state)
    config = uvicorn.Config(
        app,
        http=TransportInScopeProtocol,
        loop="uvloop",
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_keep_alive=75,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=_LOOP_FACTORY) as runner:
        runner.run(server.serve(sockets=[sock]))
