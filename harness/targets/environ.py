"""The environment a started process inherits from the runner, cleaned of what would change what it sends.

A developer's own ``SENTRY_DSN``, a proxy, ``NODE_OPTIONS`` or the gate's own variables never reach a
target or its services: the gate sets what it means to set through the target file's variables.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from harness.settings import AppVariables

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["inherited", "service_environment"]

_DROPPED_PREFIXES: Final = ("SENTRY_", AppVariables.PREFIX, "SPOTIFY_", "FAKE_SPOTIFY_")
_DROPPED_NAMES: Final = frozenset(
    {
        "ENABLE_SENTRY",
        "NODE_ENV",
        "NODE_OPTIONS",
        "PYTHONSTARTUP",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
    }
)
"""Inherited variables a target must not see: a developer's own ``SENTRY_DSN`` or proxy never leaks in."""


def inherited(base: Mapping[str, str], named: set[str]) -> dict[str, str]:
    """``base`` without the dropped variables and without ``named`` (the file's own)."""
    return {
        k: v
        for k, v in base.items()
        if k not in _DROPPED_NAMES and k not in named and not k.startswith(_DROPPED_PREFIXES)
    }


def service_environment(base: Mapping[str, str] | None) -> dict[str, str]:
    """What a service (a fake upstream, a database) starts with: the runner's environment, cleaned."""
    return inherited(os.environ if base is None else base, set())
