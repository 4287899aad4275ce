"""What a target run is asked to be, and the environment variables that say it (docs/design.md: target contract).

Pure data: ``TargetOptions`` names the environment (any name Sentry accepts: the gate fixes no list),
release, variant, mutant, DSNs and fault token; `harness.targets.lifecycle.app_environment` hands them
to the app through the variables its target file names.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from harness.settings import check_environment_name

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_RELEASE",
    "VARIANTS",
    "TargetOptions",
    "new_fault_token",
]

VARIANTS: Final = ("hardened", "seed")
DEFAULT_RELEASE: Final = "sentry-gate-target@1.0.0"


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
