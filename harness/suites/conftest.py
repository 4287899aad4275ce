"""What every suite shares: each check runs only where the target can give it what it needs.

- Most checks restart the target with other settings (a mutant, an environment, a kill switch), so they
  cannot run on a deployment the gate does not control. When the run names a URL (``--target URL``, or a
  file whose ``[app]`` gives only a ``url``), every test not marked ``external_target`` is skipped with
  that reason, rather than silently measuring a bundled target in its place.
- A check marked ``needs("gate_routes", …)`` is skipped, with the missing fields named, when the run's
  target file does not declare them (`harness.targetfile.needs`).

Both decisions are made at collection, so ``sentry-gate validate`` lists them without running anything.

The suites' markers are registered here too: an installed gate has no ``pyproject.toml`` to declare them.
"""

from __future__ import annotations

import pytest

from harness.settings import Settings
from harness.targetfile import load_target_file
from harness.targetfile.needs import missing_reason
from harness.targets.launcher import BUNDLED_TARGETS

REASON = "needs a bundled target (it restarts the target with other settings); the run names an external deployment"
EXTERNAL_ONLY = "runs only on a deployment the gate cannot restart (a URL); the other suites check its ids more deeply"
MARKERS = (
    "browser: needs Debian's /usr/bin/chromium (installed by the make targets)",
    "slow: takes more than a few seconds",
    "external_target: a suite check that can run on an external deployment (sentry-gate run --target URL)",
    "xdist_group(name): pytest-xdist's grouping (--dist loadgroup); inert where pytest-xdist is not installed",
    "needs(*fields): target-file fields the check needs (dotted paths); skipped, naming them, when absent",
)


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = Settings.from_environ()
    if settings.external:
        skip = pytest.mark.skip(reason=REASON)
        for item in items:
            if item.get_closest_marker("external_target") is None:
                item.add_marker(skip)
        return
    only_external = pytest.mark.skip(reason=EXTERNAL_ONLY)
    for item in items:
        if item.get_closest_marker("external_target") is not None:
            item.add_marker(only_external)
    if settings.target_file is None:
        return  # the bundled apps' own files declare everything their checks need
    model = load_target_file(settings.target_file).model
    for item in items:
        needs = tuple(field for mark in item.iter_markers("needs") for field in mark.args)
        if needs and (why := missing_reason(model, needs, tuple(BUNDLED_TARGETS))) is not None:
            item.add_marker(pytest.mark.skip(reason=why))
