"""The sampling profile (nightly): rates too expensive for a pull request's pre-release run, measured per
environment against what the target file's ``[environments]`` promise.

Two checks. ``production.sampling.server-profiles-rate``: the share of traced units that bring a
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

``production.sampling.replay-session-rate``, precise: the pre-release suite measures it at the file's
±0.35, which cannot tell 0.05 from 0.2. Here the tolerance of each environment is half the distance from
its rate to the nearest other rate the file declares (production 0.05, development 0.1, staging 0.2:
±0.025, ±0.025, ±0.05), so that neighbour lies at twice the tolerance; n from `sample_size` for power
≥ 95% at every other declared rate (a wrong neighbour FAILs) and P(PASS) ≥ `REPLAY_PASS_PROBABILITY` at
the right one; the evidence states the exact probability that each other declared rate FAILs. The page
is the same Vue client behind either server, so it runs on one bundled target (`REPLAY_TARGET`). A session
is a page load held past Replay's 5 s minimum, then the flush hook, 40 tabs side by side
(`harness.production.replay.probe_replay_session_rate`). Sessions cost wall time: environments are taken
primary first while their sizes fit `REPLAY_BUDGET_S`; the others are SKIPPED with the size they need.
"""

from __future__ import annotations

from functools import cache

import pytest

from harness.common.browser import require_chromium
from harness.production import probes
from harness.production.expectations import Expectations, checked_environments, target_expectations
from harness.production.replay import SECONDS_PER_SESSION, probe_replay_session_rate
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
CHECK_REPLAY = "production.sampling.replay-session-rate"
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

REPLAY_TARGET = "python-api" if "python-api" in TARGETS else next(iter(TARGETS), None)
"""The lighter server in front of the same page, unless the run names only the other."""
REPLAY_PASS_PROBABILITY = 0.9
REPLAY_BUDGET_S = 1000.0
"""What the profile's 1,800 s leave for replay sessions beside the profiles check (about 8 minutes for a
Node target's process starts, 2 for the Python twin's transactions) and the targets' starts."""


def replay_environments(target: str | None) -> list[str]:
    """The checked environments whose page replays, primary first (the order the budget is spent in)."""
    if target is None:
        return []
    exp = expectations(target)
    names = [
        e
        for e in checked_environments(exp, SETTINGS)
        if exp.environment(e).replays_session_sample_rate is not None
        and (exp.environment(e).sends or exp.environment(e).enable_env)
    ]
    return sorted(names, key=lambda e: e != exp.primary)


REPLAY_PARAMS = [(REPLAY_TARGET, e) for e in replay_environments(REPLAY_TARGET)]
PROFILE_RATE_CHECKS = max(1, len(PARAMS) + len(REPLAY_PARAMS))
"""This suite's rate checks (profiles and replay sessions, the skipped ones too): the Bonferroni family."""


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


def replay_neighbours(target: str, environment: str) -> list[float]:
    """The other replay session rates the target's file declares, in any environment."""
    exp = expectations(target)
    own = exp.environment(environment).replays_session_sample_rate
    declared = {e.replays_session_sample_rate for e in exp.environments.values()}
    return sorted(r for r in declared if r is not None and r != own)


def replay_tolerance(target: str, environment: str) -> float:
    """Half the distance to the nearest neighbour rate (that neighbour then sits at twice the tolerance),
    the target file's replay tolerance where no other rate is declared."""
    exp = expectations(target)
    own = exp.environment(environment).replays_session_sample_rate
    assert own is not None
    gaps = [abs(r - own) for r in replay_neighbours(target, environment)]
    return round(min(gaps) / 2, 6) if gaps else exp.replay_tolerance


@cache
def replay_sessions(target: str, environment: str) -> int:
    """Sessions for power ≥ 95% at every neighbour rate and P(PASS) ≥ `REPLAY_PASS_PROBABILITY`."""
    expected = expectations(target).environment(environment).replays_session_sample_rate
    assert expected is not None
    return sample_size(
        expected,
        replay_tolerance(target, environment),
        level=familywise_level(expectations(target).alpha, PROFILE_RATE_CHECKS),
        pass_probability=REPLAY_PASS_PROBABILITY,
        against=replay_neighbours(target, environment) or None,
    )


@cache
def replay_plan(target: str) -> dict[str, int | None]:
    """Sessions per environment; None where they no longer fit `REPLAY_BUDGET_S` after the ones before."""
    plan: dict[str, int | None] = {}
    spent = 0.0
    for environment in replay_environments(target):
        n = replay_sessions(target, environment)
        cost = n * SECONDS_PER_SESSION
        plan[environment] = n if spent + cost <= REPLAY_BUDGET_S else None
        spent += cost if plan[environment] else 0.0
    return plan


@pytest.mark.browser
@pytest.mark.needs("gate_routes.page_hook")
@pytest.mark.parametrize(("target", "environment"), REPLAY_PARAMS, ids=[f"{t}-{e}" for t, e in REPLAY_PARAMS])
def test_sampling_replay_session_rate(
    target: str, environment: str, target_factory: TargetFactory, gate_check: CheckRecorder
) -> None:
    require_chromium()
    exp = expectations(target)
    expected = exp.environment(environment).replays_session_sample_rate
    assert expected is not None
    tolerance = replay_tolerance(target, environment)
    level = familywise_level(exp.alpha, PROFILE_RATE_CHECKS)
    sessions = replay_plan(target)[environment]
    if sessions is None:
        n = replay_sessions(target, environment)
        alone = n * SECONDS_PER_SESSION <= REPLAY_BUDGET_S
        result = CheckResult(
            CHECK_REPLAY,
            Verdict.SKIPPED,
            f"replay session sample rate in {environment} (±{tolerance:g}) needs {n} sessions, about"
            f" {n * SECONDS_PER_SESSION / 60:.0f} min, beyond the {REPLAY_BUDGET_S / 60:.0f} min the sampling"
            " profile leaves for replay sessions"
            + (f" after the environments before it; GATE_ENVIRONMENTS={environment} runs it alone" if alone else ""),
            {"environment": environment, "sessions_needed": n, "tolerance": tolerance},
        )
    else:
        app = target_factory(target, environment=environment, mutant=MUTANT, extra_env=_opt_in(target, environment))
        result = probe_replay_session_rate(
            app,
            sessions=sessions,
            expected=expected,
            tolerance=tolerance,
            level=level,
            environment=environment,
            neighbours=replay_neighbours(target, environment),
        )
        app.stop()
    print(f"{result.check_id}: {result.verdict.value}: {result.summary} {result.evidence}")
    gate_check(result)
