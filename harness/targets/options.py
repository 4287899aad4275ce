"""What a target run is asked to be, and the environment variables that say it (docs/design.md: target contract).

Pure data and pure functions: ``TargetOptions`` names the environment (any name Sentry accepts: the gate
fixes no list), release, variant, mutant, DSNs and fault token; ``target_environment`` turns them into the
child's environment (the variable names are `harness.settings.AppVariables`). Variables inherited
from the runner that would change what a target sends, or where, are dropped first, so a developer's
own ``SENTRY_DSN`` or proxy never leaks into a test.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from harness.settings import AppVariables, check_environment_name

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_RELEASE",
    "VARIANTS",
    "TargetOptions",
    "new_fault_token",
    "target_environment",
]

VARIANTS: Final = ("hardened", "seed")
DEFAULT_RELEASE: Final = "sentry-gate-target@1.0.0"

# Exact names and prefixes of inherited variables a target must not see.
_DROPPED_PREFIXES: Final = ("SENTRY_", AppVariables.PREFIX, "SPOTIFY_", "FAKE_SPOTIFY_")
_DROPPED_NAMES: Final = frozenset(
    {
        "ENABLE_SENTRY",
        "NODE_ENV",
        "NODE_OPTIONS",
        "PORT",
        "HOST",
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


def new_fault_token() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True, slots=True)
class TargetOptions:
    """How to run a target.

    ``release`` None leaves ``SENTRY_RELEASE`` unset; ``fault_token`` None leaves the fault and flush
    routes absent. ``extra_env`` is applied last; a value of None removes that variable.
    """

    environment: str = "production"
    release: str | None = DEFAULT_RELEASE
    variant: str = "hardened"
    mutant: str | None = None
    server_dsn: str | None = None
    browser_dsn: str | None = None
    fault_token: str | None = field(default_factory=new_fault_token)
    extra_env: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_environment_name(self.environment)
        if self.variant not in VARIANTS:
            raise ValueError(f"variant {self.variant!r} is not one of {', '.join(VARIANTS)}")

    def describe(self) -> str:
        """A label for logs and test ids: ``production/hardened``, ``staging/seed+no-release``."""
        label = f"{self.environment}/{self.variant}"
        return f"{label}+{self.mutant}" if self.mutant else label


def _inherited(base: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in base.items() if k not in _DROPPED_NAMES and not k.startswith(_DROPPED_PREFIXES)}


def target_environment(
    options: TargetOptions,
    *,
    spotify_url: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a bundled target runs with. ``spotify_url`` is the upstream's root URL."""
    env = _inherited(os.environ if base is None else base)
    env.update(
        {
            "SENTRY_ENVIRONMENT": options.environment,
            "NODE_ENV": options.environment,
            AppVariables.VARIANT: options.variant,
            "SPOTIFY_API_URL": f"{spotify_url.rstrip('/')}/v1",
            "SPOTIFY_ACCOUNTS_URL": spotify_url.rstrip("/"),
            "HOST": "127.0.0.1",
            "PORT": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    optional = {
        "SENTRY_RELEASE": options.release,
        AppVariables.MUTANT: options.mutant,
        "SENTRY_DSN": options.server_dsn,
        "SENTRY_DSN_BROWSER": options.browser_dsn,
        AppVariables.FAULT_TOKEN: options.fault_token,
    }
    env.update({k: v for k, v in optional.items() if v is not None})
    for key, value in options.extra_env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env
