"""Which bundled targets a suite runs against: the one ``sentry-gate run --target bundled:<name>`` names,
or a list a self-test or a user sets, else all of them.

One rule for every suite, so ``--target bundled:python-api`` narrows the production, chaos and load
suites alike (a user asking for one target would be surprised to wait for both).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from harness.targets.launcher import BUNDLED_TARGETS

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["selected_targets"]


def selected_targets(override: str = "GATE_TARGETS", env: Mapping[str, str] | None = None) -> list[str]:
    """``override`` (comma-separated names) if set, else ``SENTRY_GATE_TARGET``'s ``bundled:<name>``, else
    every bundled target. An external URL in ``SENTRY_GATE_TARGET`` selects every bundled target: the
    suites that run on one skip their bundled-only tests themselves."""
    e = os.environ if env is None else env
    gate_target = e.get("SENTRY_GATE_TARGET", "")
    default = gate_target.removeprefix("bundled:") if gate_target.startswith("bundled:") else ",".join(BUNDLED_TARGETS)
    return [name.strip() for name in e.get(override, default).split(",") if name.strip()]
