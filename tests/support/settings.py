"""Hand a suite run by a self-test its settings the way `sentry-gate run` does: one serialised variable.

Every single variable of `harness.settings.VARIABLES` is removed first, so a developer's shell (say a
``GATE_MUTANT`` left exported) cannot change what the self-test runs.
"""

from __future__ import annotations

import pytest

from harness.settings import SETTINGS_VAR, VARIABLES, Settings


def use_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(SETTINGS_VAR, settings.to_json())
