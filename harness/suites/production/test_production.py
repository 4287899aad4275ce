"""Production-readiness checks against each target, in each environment its target file declares.

Every test is one check (stable id, e.g. ``production.sampling.server-traces-rate``) and hands its
`CheckResult` to ``gate_check``: FAIL fails naming the id and the measured value, INCONCLUSIVE skips with
the precision reached. Expected values come from the target file's ``[environments]`` and ``[expect]``.

Rate checks: ``n`` from `harness.stats.sample_size` (power ≥ 95% at twice the tolerance) at the per-check
level `familywise_level(alpha, RATE_CHECKS)`, so the false-alarm rate of the whole run is at most
``alpha`` (Bonferroni). The settings (`harness.settings`) narrow it: ``production.environments`` the
environments, ``targets`` the targets (default: the run's ``bundled:<name>``, else every bundled target),
``self_test.mutant`` runs every target under one mutant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from harness.common.browser import chromium_for_tests, require_chromium
from harness.production import probes
from harness.production.browser import (
    BROWSER_OPTIONS,
    FILTER_CASES,
    probe_browser_delivery,
    probe_browser_kill_switch,
    probe_browser_traces,
    probe_page_filters,
    probe_page_options,
)
from harness.production.expectations import (
    EnvironmentExpectation,
    Expectations,
    checked_environments,
    target_expectations,
)
from harness.production.page_items import (
    probe_page_development_silent,
    probe_page_dsn_removed,
    probe_page_identity,
    probe_page_init_options,
)
from harness.production.replay import probe_replay_rates
from harness.recorder import CheckRecorder
from harness.results import CheckResult
from harness.settings import Settings
from harness.stats import familywise_level, sample_size
from harness.targets.fixtures import TargetFactory
from harness.targets.options import DEFAULT_RELEASE
from harness.targets.selection import selected_targets
from harness.targets.target import Target

SETTINGS = Settings.from_environ()


@cache
def expectations(target: str) -> Expectations:
    """What the target's file promises (the run's own file when it names this target)."""
    return target_expectations(target, SETTINGS)


def primary(target: str) -> str:
    """The environment the once-per-target checks use (the file's default, else production)."""
    return expectations(target).primary


def environments(target: str) -> list[str]:
    """The environments checked on ``target``: the settings' narrowing, else every one its file declares."""
    return checked_environments(expectations(target), SETTINGS)


def measured_environments(target: str) -> list[str]:
    """The checked environments the per-environment checks run in: those that send, or can be opted in.
    One that never sends (the plan's ``test``) has only its silence to check (``SILENT``)."""
    exp = expectations(target)
    return [e for e in environments(target) if exp.environment(e).sends or exp.environment(e).enable_env]


TARGETS = selected_targets(SETTINGS)  # `sentry-gate run --target bundled:<name>` narrows it
MUTANT = SETTINGS.self_test.mutant
RELEASE = SETTINGS.release or DEFAULT_RELEASE  # `sentry-gate run --release`
PASS_PROBABILITY = 0.99
"""Server traces are cheap, so their n also makes a correct rate PASS in 99% of runs (not only not FAIL)."""
# The browser traces rate is measured by page loads in production on these targets (the page is the
# same build behind every server; each page load costs about 0.85 s here), its configuration everywhere.
BROWSER_RATE_TARGETS = list(SETTINGS.production.browser_rate_targets or TARGETS[:1])
# The run's rate checks: one server traces rate per target and environment; per browser-rate target
# the browser traces rate and the two replay rates (session, on-error). The Bonferroni level of each is
# familywise_level(alpha, RATE_CHECKS).
RATE_CHECKS = sum(len(measured_environments(t)) for t in TARGETS) + 3 * len(BROWSER_RATE_TARGETS)
DELIVERY_ERRORS = SETTINGS.production.delivery_errors
BROWSER_DELIVERY_ERRORS = SETTINGS.production.browser_delivery_errors

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = [pytest.mark.needs("bundled", "gate_routes", "gate_routes.page_hook", "environments"), pytest.mark.slow]


@dataclass
class Deployment:
    target: Target
    environment: EnvironmentExpectation
    expectations: Expectations


def _id(param: tuple[str, str]) -> str:
    return f"{param[0]}-{param[1]}"


@pytest.fixture(scope="module", params=[(t, e) for t in TARGETS for e in measured_environments(t)], ids=_id)
def deployment(request: pytest.FixtureRequest, target_factory: TargetFactory) -> Deployment:
    name, env_name = request.param
    exp = expectations(name)
    env = exp.environment(env_name)
    extra = {} if env.sends else dict(env.enable_env)  # measure the configuration as opted in
    target = target_factory(name, environment=env_name, release=RELEASE, mutant=MUTANT, extra_env=extra)
    return Deployment(target, env, exp)


def _record(gate_check: CheckRecorder, result: CheckResult) -> None:
    print(f"{result.check_id}: {result.verdict.value}: {result.summary}")
    gate_check(result)


# ---- 1. environment configuration ----------------------------------------------------------------
@pytest.fixture(scope="module")
def traces(deployment: Deployment) -> tuple[CheckResult, CheckResult]:
    env = deployment.environment
    if env.traces_sample_rate is None:
        pytest.skip(f"{deployment.expectations.source} states no traces_sample_rate for {env.name}")
    tol = deployment.expectations.server_tolerance
    level = familywise_level(deployment.expectations.alpha, RATE_CHECKS)
    n = sample_size(env.traces_sample_rate, tol, level=level, pass_probability=PASS_PROBABILITY)
    return probes.probe_server_traces(
        deployment.target, requests=n, expected=env.traces_sample_rate, tolerance=tol, level=level, environment=env.name
    )


def test_sampling_server_traces_rate(traces: tuple[CheckResult, CheckResult], gate_check: CheckRecorder) -> None:
    _record(gate_check, traces[0])


def test_sampling_declared_rate(traces: tuple[CheckResult, CheckResult], gate_check: CheckRecorder) -> None:
    _record(gate_check, traces[1])


@pytest.fixture(scope="module")
def identity(deployment: Deployment) -> dict[str, CheckResult]:
    results = probes.probe_identity(deployment.target, environment=deployment.environment.name, release=RELEASE)
    return {r.check_id: r for r in results}


def test_config_environment(identity: dict[str, CheckResult], gate_check: CheckRecorder) -> None:
    _record(gate_check, identity["production.config.environment"])


def test_release_every_item(identity: dict[str, CheckResult], gate_check: CheckRecorder) -> None:
    _record(gate_check, identity["production.release.every-item"])


def test_release_valid(identity: dict[str, CheckResult], gate_check: CheckRecorder) -> None:
    _record(gate_check, identity["production.release.valid"])


def test_config_sending(deployment: Deployment, gate_check: CheckRecorder) -> None:
    result, _ = probes.probe_sending(
        deployment.target, environment=deployment.environment.name, expected_sends=True, control_received=None
    )
    _record(gate_check, result)


def test_config_max_breadcrumbs(deployment: Deployment, gate_check: CheckRecorder) -> None:
    limit = deployment.environment.max_breadcrumbs
    if limit is None:
        pytest.skip("no max_breadcrumbs stated")
    _record(gate_check, probes.probe_breadcrumbs(deployment.target, limit=limit))


# ---- 5. monitoring endpoints, gate routes -------------------------------------------------------
@pytest.fixture(scope="module")
def monitoring(deployment: Deployment) -> dict[str, CheckResult]:
    results = probes.probe_monitoring(
        deployment.target, environment=deployment.environment.name, release=RELEASE, enabled=True
    )
    return {r.check_id: r for r in results}


@pytest.mark.parametrize("check", ["health", "sentry-health", "metrics", "no-noise"])
def test_monitoring(monitoring: dict[str, CheckResult], check: str, gate_check: CheckRecorder) -> None:
    _record(gate_check, monitoring[f"production.monitoring.{check}"])


def test_surface_gate_routes(deployment: Deployment, gate_check: CheckRecorder) -> None:
    _record(gate_check, probes.probe_gate_routes(deployment.target))


# ---- 4. the page's filters ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    yield from chromium_for_tests()


@pytest.fixture(scope="module")
def page_filters(deployment: Deployment, chromium_browser: Any) -> dict[str, CheckResult]:
    return {r.check_id: r for r in probe_page_filters(deployment.target, deployment.environment.name, chromium_browser)}


@pytest.mark.parametrize("check_id", list(FILTER_CASES))
def test_page_filters(page_filters: dict[str, CheckResult], check_id: str, gate_check: CheckRecorder) -> None:
    if check_id not in page_filters:
        pytest.skip(f"{check_id} does not apply in this environment")
    _record(gate_check, page_filters[check_id])


def test_config_browser_rates(deployment: Deployment, chromium_browser: Any, gate_check: CheckRecorder) -> None:
    expected = {field: getattr(deployment.environment, field) for field in BROWSER_OPTIONS}
    _record(gate_check, probe_page_options(deployment.target, expected, chromium_browser))


@pytest.mark.browser
@pytest.mark.parametrize("name", BROWSER_RATE_TARGETS)
def test_sampling_browser_traces_rate(name: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    require_chromium()
    exp = expectations(name)
    env = exp.environment(exp.primary)
    assert env.browser_traces_sample_rate is not None
    level = familywise_level(exp.alpha, RATE_CHECKS)
    n = sample_size(env.browser_traces_sample_rate, exp.browser_tolerance, level=level)
    target = target_factory(name, environment=exp.primary, mutant=MUTANT)
    rate, declared = probe_browser_traces(
        target,
        traces=n,
        expected=env.browser_traces_sample_rate,
        tolerance=exp.browser_tolerance,
        level=level,
        environment=exp.primary,
    )
    target.stop()
    print(f"{declared.check_id}: {declared.verdict.value}: {declared.summary}")
    _record(gate_check, rate)


@pytest.mark.browser
@pytest.mark.parametrize("name", BROWSER_RATE_TARGETS)
def test_replay_rates(name: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    """Replay session rate and on-error rate measured over real sessions (one rate check each)."""
    require_chromium()
    exp = expectations(name)
    env = exp.environment(exp.primary)
    assert env.replays_session_sample_rate is not None
    assert env.replays_on_error_sample_rate is not None
    level = familywise_level(exp.alpha, RATE_CHECKS)
    tol = exp.replay_tolerance
    n = max(
        sample_size(env.replays_session_sample_rate, tol, level=level),
        # the on-error rate is measured over the sessions not sampled whole
        round(sample_size(env.replays_on_error_sample_rate, tol, level=level) / (1 - env.replays_session_sample_rate)),
    )
    target = target_factory(name, environment=exp.primary, mutant=MUTANT)
    session, on_error = probe_replay_rates(
        target,
        sessions=n,
        session_rate=env.replays_session_sample_rate,
        on_error_rate=env.replays_on_error_sample_rate,
        tolerance=tol,
        level=level,
        environment=exp.primary,
    )
    target.stop()
    _record(gate_check, session)
    _record(gate_check, on_error)


@pytest.fixture(scope="module")
def page_init_options(deployment: Deployment, chromium_browser: Any) -> dict[str, CheckResult]:
    env = deployment.environment
    results = probe_page_init_options(
        deployment.target,
        chromium_browser,
        max_breadcrumbs=env.browser_max_breadcrumbs,
        attach_stacktrace=env.browser_attach_stacktrace,
    )
    return {r.check_id: r for r in results}


@pytest.mark.parametrize(
    "check_id", ["production.config.browser-max-breadcrumbs", "production.config.browser-attach-stacktrace"]
)
def test_config_browser_init_options(
    page_init_options: dict[str, CheckResult], check_id: str, gate_check: CheckRecorder
) -> None:
    """The page's maxBreadcrumbs and attachStacktrace, from one message it sends (one page load)."""
    if check_id not in page_init_options:
        pytest.skip(f"the target file states no {check_id.rsplit('.', 1)[1].replace('-', '_')} here")
    _record(gate_check, page_init_options[check_id])


@pytest.fixture(scope="module")
def page_identity(deployment: Deployment, chromium_browser: Any) -> dict[str, CheckResult]:
    results = probe_page_identity(
        deployment.target, chromium_browser, environment=deployment.environment.name, release=RELEASE
    )
    return {r.check_id: r for r in results}


@pytest.mark.parametrize("check_id", ["production.config.browser-environment", "production.release.browser-every-item"])
def test_page_identity(page_identity: dict[str, CheckResult], check_id: str, gate_check: CheckRecorder) -> None:
    _record(gate_check, page_identity[check_id])


# ---- 6. event quality ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quality(deployment: Deployment) -> dict[str, CheckResult]:
    return {r.check_id: r for r in probes.probe_event_quality(deployment.target)}


@pytest.mark.parametrize(
    "check", ["in-app-frames", "request-context", "breadcrumbs", "transaction", "relay-normalization", "grouping"]
)
def test_quality(quality: dict[str, CheckResult], check: str, gate_check: CheckRecorder) -> None:
    _record(gate_check, quality[f"production.quality.{check}"])


# ---- per target: silence, kill switch, filters, profiling, delivery --------------------------------
@pytest.fixture(scope="module", params=TARGETS)
def target_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


SILENT = [(t, e.name) for t in TARGETS for e in expectations(t).environments.values() if not e.sends]
"""Every environment that promises silence, on every target (whatever the run's environments narrow)."""


def silent_control(target: str, environment: str) -> tuple[str, dict[str, str]]:
    """Where the same traffic must send, as the silence check's positive control: the silent environment
    with its opt-in, else (``test`` has none) the primary environment."""
    env = expectations(target).environment(environment)
    return (env.name, dict(env.enable_env)) if env.enable_env else (primary(target), {})


@pytest.mark.parametrize("silent", SILENT, ids=_id)
def test_config_development_silent(
    silent: tuple[str, str], target_factory: TargetFactory, gate_check: CheckRecorder
) -> None:
    name, environment = silent
    control_env, opt_in = silent_control(name, environment)
    control = target_factory(name, environment=control_env, mutant=MUTANT, extra_env=opt_in)
    _, sent = probes.probe_sending(control, environment=control_env, expected_sends=True, control_received=None)
    control.stop()
    quiet = target_factory(name, environment=environment, mutant=MUTANT)
    result, _ = probes.probe_sending(quiet, environment=environment, expected_sends=False, control_received=sent)
    quiet.stop()
    _record(gate_check, result)


@pytest.mark.browser
@pytest.mark.parametrize("silent", SILENT, ids=_id)
def test_config_browser_development_silent(
    silent: tuple[str, str], target_factory: TargetFactory, chromium_browser: Any, gate_check: CheckRecorder
) -> None:
    """The page in a silent environment sends nothing in a visit that throws; the same visit where the
    page sends (the opt-in, else the primary environment) is the control."""
    name, environment = silent
    control_env, opt_in = silent_control(name, environment)
    control = target_factory(name, environment=control_env, mutant=MUTANT, extra_env=opt_in)
    quiet = target_factory(name, environment=environment, mutant=MUTANT)
    result = probe_page_development_silent(quiet, control, chromium_browser, environment=environment)
    quiet.stop()
    control.stop()
    _record(gate_check, result)


KILL_SWITCH = {
    "SENTRY_TRACES_SAMPLE_RATE": "0",
    "SENTRY_PROFILES_SAMPLE_RATE": "0",
    "SENTRY_BROWSER_TRACES_SAMPLE_RATE": "0",
    "SENTRY_REPLAYS_SESSION_SAMPLE_RATE": "0",
}


def test_rollback_kill_switch(target_name: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    target = target_factory(target_name, environment=primary(target_name), mutant=MUTANT, extra_env=KILL_SWITCH)
    result = probes.probe_kill_switch(target, requests=200)
    target.stop()
    _record(gate_check, result)


@pytest.mark.browser
def test_rollback_browser_kill_switch(
    target_name: str, target_factory: TargetFactory, chromium_browser: Any, gate_check: CheckRecorder
) -> None:
    target = target_factory(target_name, environment=primary(target_name), mutant=MUTANT, extra_env=KILL_SWITCH)
    result = probe_browser_kill_switch(target, chromium_browser)
    target.stop()
    _record(gate_check, result)


def test_rollback_dsn_removed(target_name: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    target = target_factory(
        target_name, environment=primary(target_name), mutant=MUTANT, extra_env={"SENTRY_DSN": None}
    )
    result = probes.probe_dsn_removed(target)
    target.stop()
    _record(gate_check, result)


@pytest.mark.browser
def test_rollback_browser_dsn_removed(
    target_name: str,
    target_factory: TargetFactory,
    traced_production: Target,
    chromium_browser: Any,
    gate_check: CheckRecorder,
) -> None:
    """The page with no browser DSN; the control visit goes to the same target kind with its DSN."""
    target = target_factory(
        target_name,
        environment=primary(target_name),
        mutant=MUTANT,
        extra_env={"SENTRY_DSN": None, "SENTRY_DSN_BROWSER": None},
    )
    result = probe_page_dsn_removed(target, traced_production, chromium_browser)
    target.stop()
    _record(gate_check, result)


@pytest.fixture(scope="module")
def traced_production(target_name: str, target_factory: TargetFactory) -> Target:
    """Production with traces and profiles at 1 (overrides), so a filter's absence is meaningful."""
    return target_factory(
        target_name,
        environment=primary(target_name),
        mutant=MUTANT,
        extra_env={"SENTRY_TRACES_SAMPLE_RATE": "1", "SENTRY_PROFILES_SAMPLE_RATE": "1"},
    )


def test_filters_health_transactions(traced_production: Target, gate_check: CheckRecorder) -> None:
    [result] = probes.probe_health_transactions(traced_production, requests=100)
    _record(gate_check, result)


@pytest.fixture(scope="module")
def health_errors(traced_production: Target) -> dict[str, CheckResult]:
    return {r.check_id: r for r in probes.probe_health_errors(traced_production, requests=20)}


def test_filters_health_errors(health_errors: dict[str, CheckResult], gate_check: CheckRecorder) -> None:
    _record(gate_check, health_errors["production.filters.health-errors"])


def test_filters_not_over_filtering(health_errors: dict[str, CheckResult], gate_check: CheckRecorder) -> None:
    _record(gate_check, health_errors["production.filters.not-over-filtering"])


def test_profiling_enabled(traced_production: Target, gate_check: CheckRecorder) -> None:
    _record(gate_check, probes.probe_profiling(traced_production))


def test_delivery_server_errors(target_name: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    target = target_factory(target_name, environment=primary(target_name), mutant=MUTANT)
    result = probes.probe_delivery(target, errors=DELIVERY_ERRORS)
    target.stop()
    _record(gate_check, result)


@pytest.mark.browser
def test_delivery_browser_errors(
    target_name: str, target_factory: TargetFactory, chromium_browser: Any, gate_check: CheckRecorder
) -> None:
    """200 unique browser errors, in bursts of 5 with the page's flush hook between (a user's page in an
    error loop): ≥ 99.9% received and every missing one accounted by the page's client reports."""
    target = target_factory(target_name, environment=primary(target_name), mutant=MUTANT)
    result = probe_browser_delivery(target, errors=BROWSER_DELIVERY_ERRORS, browser=chromium_browser)
    target.stop()
    _record(gate_check, result)
