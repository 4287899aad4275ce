"""``sentry-gate init [PATH] [--force]``: write a commented starter target file for the user's app.

The starter (`harness.targetfile.starter`) is valid as written, so the next command (``sentry-gate
validate``) already answers; the user then edits it. An existing file is never overwritten without
``--force``: that is a usage error (exit 2) naming the file.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.targetfile import DEFAULT_NAME
from harness.targetfile.starter import STARTER

__all__ = ["register"]


def register(sub: Any) -> None:
    init = sub.add_parser("init", help=f"write a commented starter {DEFAULT_NAME} for your app")
    init.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path(DEFAULT_NAME),
        help=f"where to write it: a file, or a folder to hold {DEFAULT_NAME} (default: ./{DEFAULT_NAME})",
    )
    init.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    path: Path = args.path / DEFAULT_NAME if args.path.is_dir() else args.path
    if path.exists() and not args.force:
        raise UsageError(f"{path} exists; edit it, or pass --force to replace it with the starter")
    if not path.parent.is_dir():
        raise UsageError(f"{path}: no such folder {str(path.parent)!r}")
    try:
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot be written: {exc}") from None
    here = path.name == DEFAULT_NAME and path.parent.resolve() == Path.cwd().resolve()
    target = "" if here else f" --target {shlex.quote(str(path))}"  # both commands read ./sentry-gate.toml by default
    print(
        f"wrote {path}: a starter target file. Next:\n"
        "  1. edit it: how the gate starts your app (or its URL), its Sentry variables, what each environment\n"
        "     promises, the requests that drive it (every field: docs/target-file.md)\n"
        f"  2. sentry-gate validate{target} --profile pre-release   (each check: run or skip, and why)\n"
        f"  3. sentry-gate run{target} --profile pre-release"
    )
    return 0
