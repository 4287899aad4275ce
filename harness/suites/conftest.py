"""What every suite shares: against an external deployment, only the checks that can run on one.

Most checks restart a bundled target with other settings (a mutant, an environment, a kill switch), so
they cannot run on a deployment the gate does not control. When ``sentry-gate run --target URL`` names
one, every test not marked ``external_target`` is skipped with that reason, rather than silently
measuring a bundled target in its place; ``harness.cli.run_cmd`` says in the report how many ran.

The suites' markers are registered here too: an installed gate has no ``pyproject.toml`` to declare them.
"""

from __future__ import annotations

import pytest

from harness.settings import Settings

REASON = "needs a bundled target (it restarts the target with other settings); the run names an external deployment"
MARKERS = (
    "browser: needs Debian's /usr/bin/chromium (installed by the make targets)",
    "slow: takes more than a few seconds",
    "external_target: a suite check that can run on an external deployment (sentry-gate run --target URL)",
    "xdist_group(name): pytest-xdist's grouping (--dist loadgroup); inert where pytest-xdist is not installed",
)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not Settings.from_environ().external:
        return
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if item.get_closest_marker("external_target") is None:
            item.add_marker(skip)
