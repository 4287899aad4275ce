"""``sentry-gate audit EXPORT``: the offline privacy audit of an envelopes export, from the command line.

The audit itself is `harness.privacy.audit`; this module reads what the user hands it (the export, the
canaries file) and turns anything wrong with those files into a `UsageError` naming the file and the line,
so a typo is exit 2 with a sentence, not a traceback. Exit 1 with any finding, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.privacy.audit import audit, table
from harness.privacy.canaries import Canary
from harness.results import Verdict

__all__ = ["main", "read_canaries", "register", "run"]


def read_canaries(path: Path) -> list[Canary]:
    """JSON lines of ``{"kind", "value", "label"}``; a bad line is a `UsageError` naming it (never its value)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--canaries {path}: cannot read it ({exc.__class__.__name__})") from exc
    canaries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            canaries.append(Canary(**json.loads(line)))
        except (ValueError, TypeError) as exc:  # not JSON, not an object, or other keys than kind/value/label
            raise UsageError(
                f'--canaries {path} line {number}: expected {{"kind", "value", "label"}} ({exc.__class__.__name__})'
            ) from None
    return canaries


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("export", type=Path, help="a tar from the ingest's /export?format=envelopes")
    parser.add_argument("--canaries", type=Path, help="JSON lines of {kind, value, label}")
    parser.add_argument("--json", type=Path, help="write the findings as CheckResult dicts")


def run(args: argparse.Namespace) -> int:
    """Print the findings table (and write the JSON export); exit 1 with any finding, else 0."""
    canaries = read_canaries(args.canaries) if args.canaries else []
    if not args.export.is_file():
        raise UsageError(f"{args.export}: no such file")
    try:
        results = audit(args.export, canaries)
    except tarfile.TarError as exc:
        raise UsageError(f"{args.export}: not an envelopes export (a tar from /_gate/export): {exc}") from exc
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    return 1 if any(r.verdict is Verdict.FAIL for r in results) else 0


def register(sub: Any) -> None:
    """``sentry-gate audit EXPORT`` (for ``harness.cli.build_parser``)."""
    parser = sub.add_parser("audit", help="scan an export of captured envelopes for canaries and PII offline")
    _arguments(parser)
    parser.set_defaults(handler=run)


def main(argv: list[str] | None = None) -> int:
    """The sub-command on its own (tests call it in-process)."""
    parser = argparse.ArgumentParser(prog="sentry-gate audit", description=(__doc__ or "").split("\n\n")[0])
    _arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except UsageError as exc:
        print(f"sentry-gate: {exc}", file=sys.stderr)
        return 2
