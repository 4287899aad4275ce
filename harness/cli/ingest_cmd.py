"""``sentry-gate ingest serve|export``: run the fake Sentry for a local app, or dump what it holds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.cli.tail import attach_tail
from harness.ingest.limits import limits_from_overrides
from harness.server import ServeOptions, parse_project_spec, serve
from harness.settings import Settings


def register(sub: Any) -> None:
    ingest = sub.add_parser("ingest", help="the local fake Sentry ingest")
    isub = ingest.add_subparsers(dest="ingest_command", required=True)

    s = isub.add_parser("serve", help="serve until Ctrl-C/SIGTERM; prints one READY line with its URL")
    s.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    s.add_argument("--port", type=int, default=0, help="0 lets the OS pick a free port (default)")
    s.add_argument("--data", type=Path, default=Path(".sentry-gate/ingest"), help="data folder (SQLite store)")
    s.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="ID:KEY",
        help="pre-declare a project with a stable DSN (repeatable)",
    )
    s.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=BYTES",
        help="override a Relay size limit, e.g. max_event_size=64KiB (repeatable)",
    )
    s.add_argument(
        "--durability",
        choices=("normal", "full"),
        default="normal",
        help="SQLite synchronous mode: normal survives a process crash, full also a power cut",
    )
    s.add_argument(
        "--control-token",
        default=None,
        help="token for the control API when bound to a non-loopback address (default: random)",
    )
    s.add_argument("--tail", action="store_true", help="print one line per request received")
    s.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    limits = limits_from_overrides(args.limit)
    options = ServeOptions(
        api_token=Settings.from_environ().api_token,
        host=args.host,
        port=args.port,
        data=args.data,
        projects=[parse_project_spec(p) for p in args.project],
        limits=limits,
        synchronous=args.durability.upper(),
        control_token=args.control_token,
    )
    serve(options, sys.stdout, on_state=attach_tail if args.tail else None)
    return 0
