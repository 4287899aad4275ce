"""Server-side production checks on an app known only by its target file: delivery under load, filters that
drop no real error, sending per environment, the monitoring endpoints' declared answers and their silence,
one error's quality, the breadcrumb limit, profiling and the DSN rollback.

Like ``test_described.py``, every test reaches the app only through what its file declares (its
environments by the file's own names, its ``[traffic.requests]``, its ``[sentry]`` variables) and reads
what the app sent after the hook-free absence handshake or the app's stop signal
(`harness.production.described_server`). The bundled apps run the same check ids through their gate routes
in ``test_production.py``, so this module runs on the other apps a run names; a check whose declaration is
missing is skipped naming the field.

``production.filters.health-errors`` is not judged here: it needs an error raised *on* a health endpoint,
which a described app has no declared way to do (its health requests never fail), so a pass could only
mean the gate never tried.
"""

from __future__ import annotations

import pytest

from harness.production import described_server
from harness.production.described_server import ANSWER_CHECKS, ServerTraffic
from harness.production.expectations import checked_environments
from harness.recorder import CheckRecorder
from harness.results import CheckResult
from harness.suites.production.described_common import (
    BUNDLED_ONLY,
    PARAMS,
    RELEASE,
    SETTINGS,
    TARGETS,
    expectations,
    model,
    record,
)
from harness.targets.fixtures import TargetFactory
from harness.targets.target import Target

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not TARGETS, reason=BUNDLED_ONLY)]
QUALITY = ("in-app-frames", "request-context", "breadcrumbs", "transaction", "relay-normalization", "grouping")


def _server(target: str) -> ServerTraffic:
    """The declared requests; skipped, naming the field, without an error request (every probe's sentinel)."""
    server = ServerTraffic.of(model(target))
    if server.traffic.error is None:
        pytest.skip(f'needs a kind = "error" request in [traffic.requests] of {target!r}\'s target file')
    return server


def _rates(target: str, *names: str, value: str) -> dict[str, str]:
    """Every variable ``[sentry.rates]`` names for the rates ``names``, set to ``value``."""
    rates = model(target).sentry.rates
    return {v: value for name in names for v in rates.get(name, [])}


@pytest.fixture(scope="module", params=PARAMS)
def primary_app(request: pytest.FixtureRequest, target_factory: TargetFactory) -> tuple[str, Target]:
    """The app in its primary environment, shared by the checks that only send and read (never stop it)."""
    target: str = request.param
    _server(target)
    primary = expectations(target).primary
    return target, target_factory(target, environment=primary, release=RELEASE, fault_token=None)


# ---- monitoring endpoints --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def monitoring(primary_app: tuple[str, Target]) -> dict[str, CheckResult]:
    target, app = primary_app
    results = described_server.probe_monitoring(
        app, _server(target), release=RELEASE, environment=expectations(target).primary
    )
    return {r.check_id: r for r in results}


@pytest.mark.parametrize("kind", list(ANSWER_CHECKS))
def test_monitoring_answer(kind: str, monitoring: dict[str, CheckResult], gate_check: CheckRecorder) -> None:
    check_id = ANSWER_CHECKS[kind]
    if check_id not in monitoring:
        pytest.skip(f'needs a kind = "{kind}" request with an answer in [traffic.requests]: {check_id} not judged')
    record(gate_check, monitoring[check_id])


@pytest.mark.parametrize("target", PARAMS)
def test_monitoring_no_noise_and_profiling(
    target: str, target_factory: TargetFactory, gate_check: CheckRecorder
) -> None:
    """One app traced (and profiled, where the file names the profiles rate's variables) at rate 1: its
    monitoring probes leave nothing, its ordinary traffic leaves profiles. Profiling stops the app last."""
    server = _server(target)
    rates = model(target).sentry.rates
    extra = _rates(target, "traces_sample_rate", "profiles_sample_rate", value="1.0")
    app = target_factory(
        target, environment=expectations(target).primary, release=RELEASE, fault_token=None, extra_env=extra
    )
    profiling = "profiles_sample_rate" in rates and "traces_sample_rate" in rates and bool(server.ordinary)
    results = described_server.probe_traced(app, server, noise=bool(server.monitoring), profiling=profiling)
    record(gate_check, *results)
    if not server.monitoring:
        pytest.skip("needs a health, monitoring or sentry-health request in [traffic.requests]: no-noise not judged")
    if not profiling:
        pytest.skip(
            "needs [sentry.rates] traces_sample_rate and profiles_sample_rate and an ordinary GET request:"
            " production.profiling.enabled not judged"
        )


# ---- one error: quality, breadcrumbs ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def quality(primary_app: tuple[str, Target]) -> dict[str, CheckResult]:
    target, app = primary_app
    return {r.check_id: r for r in described_server.probe_quality(app, _server(target))}


@pytest.mark.parametrize("check", QUALITY)
def test_quality(check: str, quality: dict[str, CheckResult], gate_check: CheckRecorder) -> None:
    record(gate_check, quality[f"production.quality.{check}"])


def test_config_max_breadcrumbs(primary_app: tuple[str, Target], gate_check: CheckRecorder) -> None:
    target, app = primary_app
    exp = expectations(target)
    limit = exp.environment(exp.primary).max_breadcrumbs
    if limit is None:
        pytest.skip(f"{exp.source} states no max_breadcrumbs for {exp.primary}")
    declared = _server(target).breadcrumbs
    if declared is None or (declared[1].breadcrumbs or 0) <= limit:
        pytest.skip(f"needs an error request in [traffic.requests] whose breadcrumbs exceed max_breadcrumbs {limit}")
    record(gate_check, described_server.probe_max_breadcrumbs(app, declared[1], limit=limit))


# ---- per environment, per start ----------------------------------------------------------------------
def _sending_params() -> list[tuple[str, str]]:
    return [
        (t, e)
        for t in TARGETS
        for e in checked_environments(expectations(t), SETTINGS)
        if expectations(t).environment(e).sends
    ] or [("none", "none")]


@pytest.mark.parametrize(("target", "environment"), _sending_params())
def test_config_sending(
    target: str, environment: str, target_factory: TargetFactory, gate_check: CheckRecorder
) -> None:
    """The control of development-silent: in an environment that sends, the declared error arrives."""
    server = _server(target)
    app = target_factory(target, environment=environment, release=RELEASE, fault_token=None)
    record(gate_check, described_server.probe_sending(app, server, environment=environment))


@pytest.mark.parametrize("target", PARAMS)
def test_delivery_and_not_over_filtering(target: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    server = _server(target)
    app = target_factory(target, environment=expectations(target).primary, release=RELEASE, fault_token=None)
    # The bundled apps' 2,000 errors go through a fault route; a described app's through its own error
    # requests, sized for speed (described_server.DELIVERY_ERRORS); GATE_DELIVERY_ERRORS may only lower it.
    errors = min(SETTINGS.production.delivery_errors, described_server.DELIVERY_ERRORS)
    record(gate_check, *described_server.probe_delivery(app, server, errors=errors))


@pytest.mark.parametrize("target", PARAMS)
def test_rollback_dsn_removed(target: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    server = _server(target)
    variables = model(target).sentry.server_dsn
    if not variables:
        pytest.skip(f"needs [sentry] server_dsn in {target!r}'s target file: the DSN cannot be removed")
    primary = expectations(target).primary
    control = target_factory(target, environment=primary, release=RELEASE, fault_token=None)
    # The control runs and stops first: whatever it leaves behind, the DSN-less start may find.
    removed_env = {v: "" for v in variables}
    result = described_server.probe_dsn_removed(
        control,
        lambda: target_factory(target, environment=primary, release=RELEASE, fault_token=None, extra_env=removed_env),
        server,
    )
    record(gate_check, result)


@pytest.mark.parametrize("target", PARAMS)
def test_filters_health_errors(target: str) -> None:
    pytest.skip(
        "production.filters.health-errors needs an error raised on a health endpoint; a described app's health"
        " requests never fail and it has no declared way to make them, so it is judged on the bundled apps only"
    )
