"""``sentry-gate``: the command line. Sub-commands live one per module; this file only dispatches.

Exit codes (documented in README and docs/cli.md): 0 pass, 1 fail, 3 inconclusive,
2 usage or set-up error (a `harness.errors.UsageError`; any other exception is a bug and keeps its traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from harness.cli import (
    audit_cmd,
    chaos_cmd,
    ingest_cmd,
    init_cmd,
    load_cmd,
    relay_cmd,
    release_cmd,
    run_cmd,
    validate_cmd,
)
from harness.errors import UsageError

EXIT_USAGE = 2
"""Bad arguments or set-up; the verdict codes (0 pass, 1 fail, 3 inconclusive) are `run_cmd.EXIT_CODES`."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentry-gate",
        description="Prove a web app's Sentry integration is production-ready.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ingest_cmd.register(sub)
    init_cmd.register(sub)
    run_cmd.register(sub)
    validate_cmd.register(sub)
    relay_cmd.register(sub)
    release_cmd.register(sub)
    audit_cmd.register(sub)
    chaos_cmd.register(sub)
    load_cmd.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except UsageError as exc:
        print(f"sentry-gate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
