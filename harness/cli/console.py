"""Terminal output for the CLI: rich with colour and live progress on a TTY, plain lines elsewhere.

CI logs and pipes get the same words without escape codes or spinners, so a log is readable as text.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from rich.console import Console

__all__ = ["Console", "make_console", "progress"]


def make_console(stream: Any = None) -> Console:
    """A console on stdout; rich itself turns colour and live display off when it is not a terminal."""
    return Console(file=stream or sys.stdout, highlight=False, soft_wrap=True)


@contextlib.contextmanager
def progress(console: Console, text: str) -> Iterator[Any]:
    """A live status line on a terminal (call ``.update(text)`` on what it yields); one printed line elsewhere."""
    if console.is_terminal:
        with console.status(text) as status:
            yield status
    else:
        console.print(text)

        class _Quiet:
            def update(self, _text: str) -> None:
                """Live updates are noise in a log: the final line says what happened."""

        yield _Quiet()
