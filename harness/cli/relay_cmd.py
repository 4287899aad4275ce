"""``sentry-gate relay --upstream URL``: forward SDK traffic to a real Sentry unchanged, keep a copy for ``audit``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.ingest.limits import limits_from_overrides
from harness.relay.server import RelayOptions, serve_relay


def register(sub: Any) -> None:
    p = sub.add_parser(
        "relay",
        help="a recording relay: forwards to a real Sentry byte for byte, keeps a copy for `sentry-gate audit`",
    )
    p.add_argument(
        "--upstream", required=True, metavar="URL", help="the Sentry ingest, e.g. https://o1.ingest.sentry.io"
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    p.add_argument("--port", type=int, default=0, help="0 lets the OS pick a free port (default)")
    p.add_argument("--data", type=Path, default=Path(".sentry-gate/relay"), help="where the copy is kept")
    p.add_argument("--timeout", type=float, default=30.0, help="upstream deadline in seconds (default 30)")
    p.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=BYTES",
        help="override a size limit, e.g. max_envelope_size=10MiB (repeatable)",
    )
    p.add_argument("--tail", action="store_true", help="print one line per request forwarded")
    p.set_defaults(handler=_relay)


def _relay(args: argparse.Namespace) -> int:
    limits = limits_from_overrides(args.limit)
    serve_relay(
        RelayOptions(
            upstream=args.upstream,
            host=args.host,
            port=args.port,
            data=args.data,
            limits=limits,
            timeout_s=args.timeout,
            tail=args.tail,
        )
    )
    return 0
