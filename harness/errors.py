"""The one error a user can fix by changing what they typed: `UsageError`.

The command line turns a `UsageError` into exit 2 with its message and nothing else; any other exception is
a bug in the gate and keeps its traceback. Before this type existed every ``ValueError`` became exit 2,
so a bug deep in a suite read as "you typed something wrong". Nothing here imports harness.
"""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """Bad arguments, a bad setting or a set-up the user must change (exit 2). The message says what and where."""
