"""``python -m targets.fake_spotify [--port 0]``: serve the fake on loopback and print one ready line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import uvicorn

from .app import FakeSpotifyState, create_app

if TYPE_CHECKING:
    import socket


class _Server(uvicorn.Server):
    """Prints the ready line once uvicorn listens, with the port it really got."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            port = self.servers[0].sockets[0].getsockname()[1]
            print(f"fake-spotify ready http://127.0.0.1:{port}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m targets.fake_spotify", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    args = parser.parse_args(argv)
    app = create_app(FakeSpotifyState.from_env())
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    _Server(config).run()


if __name__ == "__main__":
    main()
