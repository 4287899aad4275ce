"""Which bundled targets a suite runs against: the one ``sentry-gate run --target bundled:<name>`` names,
or a list a self-test or a user sets, else all of them.

One rule for every suite, so ``--target bundled:python-api`` narrows the production, chaos and load
suites alike (a user asking for one target would be surprised to wait for both). The rule itself is
`harness.settings.Settings.bundled_targets`; this module binds it to the bundled list.
"""

from __future__ import annotations

from harness.settings import Settings
from harness.targets.launcher import BUNDLED_TARGETS

__all__ = ["selected_targets"]


def selected_targets(settings: Settings | None = None, specific: tuple[str, ...] | None = None) -> list[str]:
    """``specific`` (a suite's own list, e.g. the load profile's) if set, else the settings' ``targets``,
    else the bundled target ``target`` names, else every bundled target."""
    s = Settings.from_environ() if settings is None else settings
    return s.bundled_targets(tuple(BUNDLED_TARGETS), specific)
