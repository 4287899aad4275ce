"""``python -m targets.python_api [--port N]``: the Python twin, on loopback, with one ready line.

Order matters as in ``node --import ./instrument.mjs``: settings, then the SDK (inside the running
event loop, so the asyncio integration can watch background tasks), then the app. On SIGTERM uvicorn
stops accepting, lets in-flight requests finish, and the app's lifespan closes the SDK (2 s), which
sends what is queued; the ``no-flush-on-sigterm`` mutant exits at once instead.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import TYPE_CHECKING

import uvicorn

from .sentry_setup import init_sentry
from .settings import ConfigError, Settings, read_settings

if TYPE_CHECKING:
    import socket
    from types import FrameType


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, settings: Settings) -> None:
        super().__init__(config)
        self.exit_at_once = settings.is_mutant("no-flush-on-sigterm")

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            print(f"READY http://{host}:{port}", flush=True)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.exit_at_once and sig == signal.SIGTERM:
            os._exit(0)
        super().handle_exit(sig, frame)


async def _serve(settings: Settings, port: int) -> None:
    sentry_enabled = init_sentry(settings)
    print(
        f"Sentry {'initialized' if sentry_enabled else 'disabled'} for {settings.environment} environment",
        flush=True,
    )
    from .app import create_app  # after the SDK, as the Node server imports its app after instrument.mjs

    config = uvicorn.Config(
        create_app(settings, sentry_enabled),
        host=settings.host,
        port=port,
        log_level="warning",
        access_log=False,
        # As Express's `trust proxy` false: X-Forwarded-For is a header, never the client's address.
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
    # uvicorn re-raises SIGTERM once its graceful shutdown is done; by then the SDK is closed, so let
    # that second delivery be a no-op and exit 0, as the Express twin does.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: None)
    await _Server(config, settings).serve()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m targets.python_api", description=__doc__)
    parser.add_argument("--port", type=int, default=None, help="TCP port (default: $PORT, else 0: a free one)")
    args = parser.parse_args(argv)
    try:
        settings = read_settings()
        # init_sentry, at the start of _serve, raises ConfigError for an unknown SENTRY_DISABLED_INTEGRATIONS name.
        asyncio.run(_serve(settings, settings.port if args.port is None else args.port))
    except ConfigError as exc:
        print(f"python-api: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
