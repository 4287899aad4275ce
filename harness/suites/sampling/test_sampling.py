"""The sampling profile (nightly): rates too expensive for a pull request's pre-release run, measured per
environment against what the target file's ``[environments]`` promise.

Today one check, ``production.sampling.server-profiles-rate``: the share of traced units that bring a
profile, against ``profiles_sample_rate``. The unit is what one profiling decision covers, read from the
app itself (`probes.profiling_unit`, an app started with both rates at 1): a sampled transaction where
the SDK sends ``profile`` items (sentry-python's ``profiles_sample_rate``), a process where it sends
profile chunks (@sentry/node's ``profileSessionSampleRate`` is drawn once when the SDK starts, so only
process starts measure it). Traces run at 1 (the override) so that every request is a traced unit.

Decided as the traces rate check decides: a Wilson interval at the per-check level
``familywise_level(alpha, PROFILE_RATE_CHECKS)`` (Bonferroni over this suite's rate checks), ``n`` from
`harness.stats.sample_size` for power ≥ 95% at twice the tolerance. The stated tolerances are the
module's `TOLERANCE` (the target file's tolerances are sized for the traces rate: ±0.02 over processes
would take thousands of process starts); the verdict's evidence states n, interval and power.
"""

from __future__ import annotations

from functools import cache

import pytest

from harness.production import probes
from harness.production.expectations import Expectations, checked_environments, target_expectations
from harness.recorder import CheckRecorder
from harness.results import CheckResult, Verdict
from harness.settings import Settings
from harness.stats import familywise_level, sample_size
from harness.targets.fixtures import TargetFactory
from harness.targets.selection import selected_targets
from harness.targets.target import Target

SETTINGS = Settings.from_environ()
TARGETS = selected_targets(SETTINGS)
MUTANT = SETTINGS.self_test.mutant
CHECK_ID = "production.sampling.server-profiles-rate"
TRACES_AT_1 = {"SENTRY_TRACES_SAMPLE_RATE": "1"}

TOLERANCE = {"transaction": 0.05, "process": 0.15}
"""± this many parts of one, per unit. Transactions are cheap (100 ms each, 8 in flight): ±0.05 costs
1,088 / 2,705 / 447 requests at 0.1 / 0.5 / 1.0, and n also makes a correct rate PASS in 99% of runs.
A process costs a start, two requests and a stop (about 2 s, two at a time): ±0.15 costs 168 / 160 / 127
starts (power only), about 8 minutes per Node target for the three environments."""
PASS_PROBABILITY = {"transaction": 0.99, "process": None}

pytestmark = [pytest.mark.needs("bundled", "gate_routes", "environments"), pytest.mark.slow]


@cache
def expectations(target: str) -> Expectations:
    return target_expectations(target, SETTINGS)


def profiled_environments(target: str) -> list[str]:
    exp = expectations(target)
    return [
        e
        for e in checked_environments(exp, SETTINGS)
        if exp.environment(e).profiles_sample_rate is not None
        and (exp.environment(e).sends or exp.environment(e).enable_env)
    ]


PARAMS = [(t, e) for t in TARGETS for e in profiled_environments(t)]
PROFILE_RATE_CHECKS = max(1, len(PARAMS))


def _opt_in(target: str, environment: str) -> dict[str, str]:
    env = expectations(target).environment(environment)
    return {} if env.sends else dict(env.enable_env)


@cache
def _unit(target: str, factory: TargetFactory) -> str | None:
    """What one profiling decision covers on ``target`` (the SDK's, whatever the environment)."""
    exp = expectations(target)
    pilot = factory(
        target,
        environment=exp.primary,
        mutant=MUTANT,
        extra_env={**_opt_in(target, exp.primary), **TRACES_AT_1, "SENTRY_PROFILES_SAMPLE_RATE": "1"},
    )
    try:
        return probes.profiling_unit(pilot)
    finally:
        pilot.stop()


@pytest.mark.parametrize(("target", "environment"), PARAMS, ids=[f"{t}-{e}" for t, e in PARAMS])
def test_sampling_server_profiles_rate(
    target: str, environment: str, target_factory: TargetFactory, gate_check: CheckRecorder
) -> None:
    exp = expectations(target)
    expected = exp.environment(environment).profiles_sample_rate
    assert expected is not None
    unit = _unit(target, target_factory)
    if unit is None:
        result = CheckResult(
            CHECK_ID,
            Verdict.INCONCLUSIVE,
            f"{target} sent no profile with traces and profiles at 1 (production.profiling.enabled judges that)",
            {"environment": environment},
        )
    else:
        tolerance = TOLERANCE[unit]
        level = familywise_level(exp.alpha, PROFILE_RATE_CHECKS)
        n = sample_size(expected, tolerance, level=level, pass_probability=PASS_PROBABILITY[unit])
        extra = {**_opt_in(target, environment), **TRACES_AT_1}

        def start() -> Target:
            return target_factory(target, environment=environment, mutant=MUTANT, extra_env=extra)

        if unit == "transaction":
            app = start()
            result = probes.probe_profiles_rate_transactions(
                app, requests=n, expected=expected, tolerance=tolerance, level=level, environment=environment
            )
            app.stop()
        else:
            result = probes.probe_profiles_rate_processes(
                start, processes=n, expected=expected, tolerance=tolerance, level=level, environment=environment
            )
    print(f"{result.check_id}: {result.verdict.value}: {result.summary}")
    gate_check(result)
