"""Production checks on an app known only by its target file (no gate routes, no page hook).

Every test reaches the app through what its file declares: its environments (the app restarted in each,
by the file's own names), its ordinary, error and health requests, its ``[sentry.rates]`` variables for
the kill switch; it reads what the app sent after the hook-free absence handshake
(`harness.production.described`). The bundled apps run the deeper checks of ``test_production.py``
through their gate routes, so this module runs on the other apps a run names: the check ids are the
same, so a report reads the same on either.

Sizes: the server traces rate is sized for its power (`harness.stats.sample_size`, 99% pass probability
for a correct app) unless the settings fix ``production.traces_requests`` (self-tests).
"""

from __future__ import annotations

import pytest

from harness.production import described
from harness.production.described import Traffic
from harness.production.expectations import checked_environments
from harness.recorder import CheckRecorder
from harness.stats import familywise_level, sample_size
from harness.suites.production.described_common import (
    BUNDLED_ONLY,
    PARAMS,
    RELEASE,
    SETTINGS,
    TARGETS,
    expectations,
    model,
    record,
    start_opted_in,
)
from harness.targets.fixtures import TargetFactory

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not TARGETS, reason=BUNDLED_ONLY)]
PASS_PROBABILITY = 0.99


def environments(target: str) -> list[str]:
    return checked_environments(expectations(target), SETTINGS)


def _needs(target: str, *fields: str) -> Traffic:
    traffic = Traffic.of(model(target))
    missing = [
        f
        for f, present in (("an ordinary GET request", traffic.ordinary), ("an error request", traffic.error))
        if f in fields and present is None
    ]
    if "health" in fields and not traffic.health:
        missing.append("a health or monitoring request")
    if missing:
        pytest.skip(f"needs {', '.join(missing)} in [traffic.requests] of {target!r}'s target file")
    return traffic


def _rate_checks(target: str) -> int:
    return sum(1 for e in environments(target) if expectations(target).environment(e).traces_sample_rate is not None)


@pytest.mark.parametrize(
    ("target", "environment"), [(t, e) for t in TARGETS for e in environments(t)] or [("none", "none")]
)
def test_server_traces_rate_and_declared_rate(
    target: str, environment: str, target_factory: TargetFactory, gate_check: CheckRecorder
) -> None:
    exp = expectations(target)
    env = exp.environment(environment)
    if env.traces_sample_rate is None:
        pytest.skip(f"{exp.source} states no traces_sample_rate for {environment}")
    traffic = _needs(target, "an ordinary GET request", "an error request")
    level = familywise_level(exp.alpha, max(1, _rate_checks(target)))
    n = SETTINGS.production.traces_requests or sample_size(
        env.traces_sample_rate, exp.server_tolerance, level=level, pass_probability=PASS_PROBABILITY
    )
    app = start_opted_in(target, target_factory, environment=environment)
    rate, declared = described.probe_server_traces(
        app,
        traffic,
        requests=n,
        expected=env.traces_sample_rate,
        tolerance=exp.server_tolerance,
        level=level,
        environment=environment,
    )
    app.stop()
    record(gate_check, declared)
    record(gate_check, rate)


@pytest.mark.parametrize("target", PARAMS)
def test_identity_health_filter_and_kill_switch(
    target: str, target_factory: TargetFactory, gate_check: CheckRecorder
) -> None:
    """Environment and release on every item, health transactions filtered, then the kill switch."""
    exp = expectations(target)
    traffic = _needs(target, "an error request")
    primary = exp.primary
    app = target_factory(target, environment=primary, release=RELEASE, fault_token=None)
    results = described.probe_identity(
        app, traffic, environment=primary, release=RELEASE, release_health=model(target).expect.release_health
    )
    health = described.probe_health_transactions(app, traffic) if traffic.health else None
    app.stop()
    rates = {v: "0" for names in model(target).sentry.rates.values() for v in names}
    kill = None
    if rates and traffic.ordinary is not None:
        off = target_factory(target, environment=primary, release=RELEASE, fault_token=None, extra_env=rates)
        kill = described.probe_kill_switch(off, traffic)
        off.stop()
    judged = [*results, *([health] if health else []), *([kill] if kill else [])]
    for result in judged:
        print(f"{result.check_id}: {result.verdict.value}: {result.summary}")
    gate_check.all(judged)
    if health is None:
        pytest.skip(f"no health or monitoring request in {target!r}'s target file: health filtering not judged")
    if kill is None:
        pytest.skip(f"no [sentry.rates] variables in {target!r}'s target file: the kill switch not judged")


@pytest.mark.parametrize("target", PARAMS)
def test_development_silent(target: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    exp = expectations(target)
    silent = [e for e in exp.environments.values() if not e.sends]
    if not silent:
        pytest.skip(f"every environment of {target!r} sends")
    traffic = _needs(target, "an error request")
    env = silent[0]
    control = target_factory(target, environment=env.name, release=RELEASE, fault_token=None, extra_env=env.enable_env)
    quiet = target_factory(target, environment=env.name, release=RELEASE, fault_token=None)
    record(gate_check, described.probe_development_silent(quiet, control, traffic))
