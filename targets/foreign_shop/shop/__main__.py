"""``python -m shop``: Sentry first, then the app, served on 127.0.0.1:$SHOP_PORT until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from werkzeug.serving import make_server

from shop.settings import Settings
from shop.telemetry import close_sentry, config, init_sentry


def main() -> int:
    settings = Settings.from_environ()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    from shop.app import create_app

    if config().init_sentry_first:
        init_sentry(settings)
        app = create_app(settings)
    else:  # the app made first: it reads Sentry's state before Sentry is set up
        app = create_app(settings)
        init_sentry(settings)
    server = make_server("127.0.0.1", settings.port, app, threaded=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"shop listening on http://127.0.0.1:{server.server_port} ({settings.env})", flush=True)
    server.serve_forever()
    close_sentry()
    return 0


if __name__ == "__main__":
    sys.exit(main())
