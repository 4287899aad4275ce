"""What every suite shares: against an external deployment, only the checks that can run on one.

Most checks restart a bundled target with other settings (a mutant, an environment, a kill switch), so
they cannot run on a deployment the gate does not control. When ``sentry-gate run --target URL`` names
one, every test not marked ``external_target`` is skipped with that reason, rather than silently
measuring a bundled target in its place; ``harness.cli.run_cmd`` says in the report how many ran.
"""

from __future__ import annotations

import pytest

from harness.settings import Settings

REASON = "needs a bundled target (it restarts the target with other settings); the run names an external deployment"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not Settings.from_environ().external:
        return
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if item.get_closest_marker("external_target") is None:
            item.add_marker(skip)
