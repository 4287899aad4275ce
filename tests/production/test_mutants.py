"""Self-tests of the production checks: each production mutant of ``targets/MUTANTS.md`` that a server
check covers makes that check FAIL, with a message naming the check id and the measured value, and the
hardened target passes the same check started the same way. Sized to the effect: a rate of 1.0 against
0.1 shows in 40 traces; a filter in a few requests.

Chance of failing a correct build (issue 13): the cases compare rates of 0 or 1, filters and
configuration, which no timing moves (the profiling case waits out the profiler's minimum by
construction: each call is held 100 ms upstream), except two binomial draws: the traces rate (see
`LEVEL`) and the kill-switch mutant, which samples at 0.1 (see its case)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.production import probes
from harness.recorder import CheckRecorder
from harness.results import CheckResult, Verdict
from harness.targets.fixtures import TargetFactory
from harness.targets.options import DEFAULT_RELEASE
from harness.targets.target import Target
from tests.targets.support import catalogue

pytestmark = [pytest.mark.slow]

Probe = Callable[[Target], CheckResult]


LEVEL = 1 - 1e-6
"""The traces-rate self-test's interval level. With 40 traces at a true rate of 0.1 the hardened check
FAILs only when 15 or more are sampled: P = 3.5e-6 per target (exact binomial, `harness.stats.size`); at
the suite's 99.5% it FAILed from 11, P = 1.5e-3 per target, 3e-3 per `make test`. The mutant's 40/40
still FAILs: its interval starts at 0.63, far above 0.12."""


def _traces(t: Target) -> CheckResult:
    return probes.probe_server_traces(
        t, requests=40, expected=0.1, tolerance=0.02, level=LEVEL, environment=t.options.environment
    )[0]


def _declared(t: Target) -> CheckResult:
    return probes.probe_server_traces(
        t, requests=100, expected=0.1, tolerance=0.02, level=LEVEL, environment=t.options.environment
    )[1]


def _environment(t: Target) -> CheckResult:
    results = probes.probe_identity(t, environment=t.options.environment, release=DEFAULT_RELEASE)
    return next(r for r in results if r.check_id == "production.config.environment")


def _silent(t: Target) -> CheckResult:
    return probes.probe_sending(t, environment="development", expected_sends=False, control_received=1)[0]


def _one(results: list[CheckResult], check_id: str) -> CheckResult:
    return next(r for r in results if r.check_id == check_id)


@dataclass(frozen=True)
class Case:
    check_id: str
    mutant: str
    probe: Probe
    measured: str
    """A regex the failure message must match: the measured value that broke the check."""
    environment: str = "production"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    small_sample: bool = False
    """A rate measured on few samples: hardened cannot reach PASS's precision here, only not-FAIL
    (the suite's full-size run shows the PASS)."""


RATE1 = {"SENTRY_TRACES_SAMPLE_RATE": "1", "SENTRY_PROFILES_SAMPLE_RATE": "1"}
RATE0 = {"SENTRY_TRACES_SAMPLE_RATE": "0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}

CASES = [
    Case(
        "production.sampling.server-traces-rate",
        "traces-rate-full",
        _traces,
        r"server traces sample rate in production 1\.0000 \(40/40\)",
        small_sample=True,
    ),
    Case("production.sampling.declared-rate", "traces-rate-full", _declared, r"declared sample_rate \{'1': \d+\}"),
    Case("production.config.environment", "wrong-environment", _environment, r"environment \{.*:development"),
    Case(
        "production.release.every-item",
        "no-release",
        lambda t: _one(
            probes.probe_identity(t, environment=t.options.environment, release=DEFAULT_RELEASE),
            "production.release.every-item",
        ),
        r"release \{.*'event:None': [1-9]",
    ),
    Case(
        "production.config.development-silent",
        "dev-sends-without-flag",
        _silent,
        r"[1-9]\d* items sent in development",
        "development",
    ),
    Case(
        "production.rollback.kill-switch",
        "kill-switch-ignored",
        # The mutant ignores the overrides and samples at production's 0.1: with 40 requests it sent no
        # transaction with P = 0.9^40 = 1.5% (a failure seen here); with 200, P = 0.9^200 = 7e-10.
        lambda t: probes.probe_kill_switch(t, requests=200),
        r"[1-9]\d* traced items .*transaction",
        extra_env=RATE0,
    ),
    Case(
        "production.filters.health-transactions",
        "health-transactions-kept",
        lambda t: probes.probe_health_transactions(t, requests=10)[0],
        r"[1-9]\d* health/metrics transactions arrived of 10",
        extra_env=RATE1,
    ),
    Case(
        "production.filters.health-errors",
        "health-errors-kept",
        lambda t: _one(probes.probe_health_errors(t, requests=3), "production.filters.health-errors"),
        r"3 errors from /monitoring/health arrived of 3",
    ),
    Case(
        "production.config.max-breadcrumbs",
        "breadcrumbs-unbounded",
        lambda t: probes.probe_breadcrumbs(t, limit=50),
        r"100 breadcrumbs on the event, maxBreadcrumbs is 50",
    ),
    Case(
        "production.surface.gate-routes",
        "gate-routes-open",
        probes.probe_gate_routes,
        r"answered \{.*: 20\d",
    ),
    Case(
        "production.profiling.enabled",
        "profiling-off",
        # held 100 ms upstream, so no profile is too short (else sentry-python dropped 0-4 of 10 here)
        lambda t: probes.probe_profiling(t, requests=10, query="fault:slow:100"),
        r"0 profiles for [1-9]\d* traced transactions",
        extra_env=RATE1,
    ),
]


def _case_id(case: Case) -> str:
    return f"{case.check_id.removeprefix('production.')}[{case.mutant}]"


ELSEWHERE = {
    "test-env-sends": "tests/production/test_plan_promises.py",
    "sentry-health-stale": "tests/production/test_plan_promises.py",
    "profiles-rate-full": "tests/production/test_plan_promises.py",
}
"""Production server mutants whose self-test lives in another module (the plan's promises)."""


def test_cases_cover_the_catalogue() -> None:
    """Every production mutant whose check is a server check here has a case (browser ones are listed),
    or names the module that runs it (`ELSEWHERE`, checked to mention it)."""
    browser_only = {r["name"] for r in catalogue() if r["area"] == "production" and r["express"] == "-"}
    production = {r["name"]: r["check"] for r in catalogue() if r["area"] == "production"}
    covered = {c.mutant for c in CASES}
    root = Path(__file__).resolve().parents[2]
    for mutant, module in ELSEWHERE.items():
        assert f'"{mutant}"' in (root / module).read_text(encoding="utf-8"), (mutant, module)
    assert set(production) - covered - browser_only - set(ELSEWHERE) == set()
    for mutant in covered & set(production):  # a mutant of another area may break a production check too
        assert production[mutant] in {c.check_id for c in CASES if c.mutant == mutant}, mutant


@pytest.mark.parametrize("name", ["express-vue", "python-api"])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_mutant_fails_and_hardened_passes(case: Case, name: str, target_factory: TargetFactory) -> None:
    def start(mutant: str | None) -> Target:
        return target_factory(name, environment=case.environment, mutant=mutant, extra_env=dict(case.extra_env))

    with ThreadPoolExecutor(max_workers=2) as pool:
        hardened, mutated = pool.map(start, [None, case.mutant])
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            good, bad = pool.map(case.probe, [hardened, mutated])
    finally:
        hardened.stop()
        mutated.stop()
    assert good.check_id == bad.check_id == case.check_id
    if case.small_sample:
        assert good.verdict is not Verdict.FAIL, good.summary
    else:
        assert good.verdict is Verdict.PASS, good.summary
    assert bad.verdict is Verdict.FAIL, bad.summary
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(bad)
    message = str(failed.value)
    assert message.startswith(f"{case.check_id}: "), message
    assert re.search(case.measured, message), message
