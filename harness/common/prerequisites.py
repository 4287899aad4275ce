"""The skip-or-fail rule for a missing prerequisite: the one rule the pytest plugin's fixtures and every suite use.

A test that cannot run here because something it needs is missing (Debian's Chromium, Node.js, a built
client, the ``sentry-cli`` wheel, a dev tool) is skipped with the reason on a developer's machine. Under
``CI`` the make targets must have installed everything, so the same gap fails the test instead: a skip
there would hide it. A skip that means "does not apply" (no expectation stated, an external-only test)
is not a missing prerequisite and stays a plain ``pytest.skip``.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

__all__ = ["CI_HINT", "prerequisites_required", "unavailable"]

CI_HINT = "CI is set: the make targets must have installed it"
"""What a failure under ``CI`` adds to the reason."""


def prerequisites_required() -> bool:
    """True under ``CI`` (any non-empty value): a missing prerequisite is a failure, not a skip."""
    return bool(os.environ.get("CI"))


def unavailable(reason: str, *, allow_module_level: bool = False) -> NoReturn:
    """Skip for a missing prerequisite, except under ``CI``, where the make targets must have installed it: fail.

    ``allow_module_level`` is pytest's own flag, for a module that skips as a whole at import."""
    if prerequisites_required():
        pytest.fail(f"{reason} ({CI_HINT})", pytrace=False)
    pytest.skip(reason, allow_module_level=allow_module_level)
