"""What the three described-app suites share (``test_described*.py``): which targets of the run they judge,
the reason they skip on a bundled app, the target's file and promises, and how a result is recorded.

Kept in one place so the three modules cannot drift apart in which apps they run on or in the words a
report shows for a skip (the run's output and `tests/cli` rely on that reason).
"""

from __future__ import annotations

from functools import cache

from harness.production.expectations import Expectations, target_expectations
from harness.recorder import CheckRecorder
from harness.results import CheckResult
from harness.settings import Settings
from harness.targetfile import Described, TargetFile
from harness.targets.fixtures import TargetFactory
from harness.targets.launcher import BUNDLED_TARGETS, bundled_description
from harness.targets.options import DEFAULT_RELEASE
from harness.targets.selection import selected_targets
from harness.targets.target import Target

SETTINGS = Settings.from_environ()
TARGETS = [t for t in selected_targets(SETTINGS) if t not in BUNDLED_TARGETS]
"""The described apps of the run (the bundled apps run test_production.py's checks of the same ids)."""
BUNDLED_ONLY = "the run's target is a bundled app, which runs test_production.py's deeper checks of the same ids"
PARAMS = TARGETS or ["none"]
"""With no described app, one placeholder parameter each, so the module-level skip (and its reason) shows."""
RELEASE = SETTINGS.release or DEFAULT_RELEASE


@cache
def description(target: str) -> Described:
    return bundled_description(target, SETTINGS)


def model(target: str) -> TargetFile:
    return description(target).model


@cache
def expectations(target: str) -> Expectations:
    return target_expectations(target, SETTINGS)


def record(gate_check: CheckRecorder, *results: CheckResult) -> None:
    """Print each result (``-s`` shows the figures) and hand them all to the recorder."""
    for result in results:
        print(f"{result.check_id}: {result.verdict.value}: {result.summary}")
    gate_check.all(list(results))


def start_opted_in(
    target: str, factory: TargetFactory, extra: dict[str, str] | None = None, *, environment: str | None = None
) -> Target:
    """The app in ``environment`` (the file's primary one by default), opted in where it is silent, so a
    check of what it sends there has something to measure."""
    exp = expectations(target)
    env = exp.environment(environment or exp.primary)
    enable = {} if env.sends else dict(env.enable_env)
    return factory(
        target, environment=env.name, release=RELEASE, fault_token=None, extra_env={**enable, **(extra or {})}
    )
