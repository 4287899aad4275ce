"""What a target's Sentry configuration promises, per environment, as the production checks read it.

A user states it in the target file's ``[environments]`` and ``[expect]`` tables (validated when the
file is read: a typo is an error with its line, not a silent default); ``expectations_from`` turns
that into the values each check measures against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.targetfile.model import RATE_NAMES
from harness.targets.launcher import bundled_description

if TYPE_CHECKING:
    from harness.settings import Settings
    from harness.targetfile import Described

__all__ = [
    "EnvironmentExpectation",
    "ExpectationError",
    "Expectations",
    "checked_environments",
    "expectations_from",
    "target_expectations",
]


class ExpectationError(ValueError):
    """A check asked for an environment the target file does not declare; the message names the file."""


@dataclass(frozen=True, slots=True)
class EnvironmentExpectation:
    name: str
    sends: bool
    """Whether the SDKs send at all in this environment without an explicit opt-in."""
    enable_env: dict[str, str]
    """Variables that turn sending on where ``sends`` is false (e.g. ``ENABLE_SENTRY: "true"``)."""
    traces_sample_rate: float | None
    profiles_sample_rate: float | None
    browser_traces_sample_rate: float | None
    replays_session_sample_rate: float | None
    replays_on_error_sample_rate: float | None
    max_breadcrumbs: int | None
    browser_max_breadcrumbs: int | None = None
    browser_attach_stacktrace: bool | None = None


@dataclass(frozen=True, slots=True)
class Expectations:
    target: str
    environments: dict[str, EnvironmentExpectation]
    server_tolerance: float
    browser_tolerance: float
    alpha: float
    source: str
    primary: str = "production"
    """The environment checks that run once per target use: the file's default, else ``production`` if
    declared, else the first one declared."""
    replay_tolerance: float = 0.3
    """Replay rates are measured over ≥ 5 s browser sessions (the SDK sends nothing younger), so their
    stated precision is looser still than the browser traces rate's."""

    def environment(self, name: str) -> EnvironmentExpectation:
        try:
            return self.environments[name]
        except KeyError:
            raise ExpectationError(
                f"{self.source}: no environment {name!r} (has {sorted(self.environments)})"
            ) from None


def expectations_from(described: Described) -> Expectations:
    """What the target file's ``[environments]`` and ``[expect]`` promise, as the production checks read it."""
    model = described.model
    envs = {
        name: EnvironmentExpectation(
            name=name,
            sends=promise.sends,
            enable_env=dict(promise.enable_env),
            max_breadcrumbs=promise.max_breadcrumbs,
            browser_max_breadcrumbs=promise.browser_max_breadcrumbs,
            browser_attach_stacktrace=promise.browser_attach_stacktrace,
            **{rate: getattr(promise, rate) for rate in RATE_NAMES},
        )
        for name, promise in model.environments.items()
    }
    tolerance = model.expect.tolerance
    return Expectations(
        target=model.name,
        environments=envs,
        server_tolerance=tolerance.server,
        browser_tolerance=tolerance.browser,
        alpha=model.expect.alpha,
        source=str(described.path),
        replay_tolerance=tolerance.replay,
        primary=model.expect.default_environment
        or ("production" if "production" in envs else next(iter(envs), "production")),
    )


def target_expectations(name: str, settings: Settings) -> Expectations:
    """What target ``name``'s file promises: the run's own file when it names ``name``, else the bundled app's."""
    return expectations_from(bundled_description(name, settings))


def checked_environments(expectations: Expectations, settings: Settings) -> list[str]:
    """The environments the production checks cover: the settings' narrowing, else every one the file declares."""
    return list(settings.production.environments or expectations.environments)
