"""Self-tests of the plan's promises the production suite checks on the bundled apps since they are
declared in their target files: the ``test`` environment silent, the page silent in development without
the opt-in, the page's ``maxBreadcrumbs`` and ``attachStacktrace``, and ``/monitoring/sentry-health``
naming the last sent error. Each runs the suite's own probe against the hardened app (PASS) and against
the mutant of targets/MUTANTS.md that breaks it (FAIL, naming the check id and the measured value).

The Python twin serves the same page as the Express server and starts faster, so it stands for both here
(the suite runs both). No case is a draw: silence, a configured option and an id compare exactly, so a
correct build cannot fail them by chance; every "nothing arrived" is read after the app's or the page's
flush and beside a control that did send.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.common.browser import chromium, require_chromium
from harness.production import probes
from harness.production.page_items import probe_page_development_silent, probe_page_init_options
from harness.results import CheckResult, Verdict
from harness.targets.fixtures import TargetFactory
from harness.targets.options import DEFAULT_RELEASE
from harness.targets.target import Target
from tests.support.verdicts import fails_naming

pytestmark = [pytest.mark.slow]

APP = "python-api"


def _start(factory: TargetFactory, configs: list[Mapping[str, Any]]) -> list[Target]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda kwargs: factory(APP, **kwargs), configs))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    with chromium() as own:
        yield own


def test_test_environment_silent_and_its_mutant(target_factory: TargetFactory) -> None:
    """``production.config.development-silent`` in ``test`` (no opt-in: the control is production)."""
    control, quiet, mutant = _start(
        target_factory,
        [{"environment": "production"}, {"environment": "test"}, {"environment": "test", "mutant": "test-env-sends"}],
    )
    _, sent = probes.probe_sending(control, environment="production", expected_sends=True, control_received=None)
    good, _ = probes.probe_sending(quiet, environment="test", expected_sends=False, control_received=sent)
    bad, _ = probes.probe_sending(mutant, environment="test", expected_sends=False, control_received=sent)
    assert sent > 0
    assert good.verdict is Verdict.PASS, good.summary
    fails_naming(bad, "production.config.development-silent", r"[1-9]\d* items sent in test, which must stay silent")


def test_sentry_health_names_the_last_event_and_its_mutant(target_factory: TargetFactory) -> None:
    hardened, stale = _start(target_factory, [{}, {"mutant": "sentry-health-stale"}])

    def sentry_health(t: Target) -> CheckResult:
        results = probes.probe_monitoring(t, environment="production", release=DEFAULT_RELEASE, enabled=True)
        return next(r for r in results if r.check_id == "production.monitoring.sentry-health")

    good, bad = sentry_health(hardened), sentry_health(stale)
    assert good.verdict is Verdict.PASS, good.summary
    assert "naming the last sent error" in good.summary
    fails_naming(bad, "production.monitoring.sentry-health", r"\$\.lastEvent is \d{13}, expected '[0-9a-f]{32}'")


@pytest.mark.browser
def test_browser_development_silent_and_its_mutant(target_factory: TargetFactory, browser: Any) -> None:
    control, quiet, mutant = _start(
        target_factory,
        [
            {"environment": "development", "extra_env": {"ENABLE_SENTRY": "true"}},
            {"environment": "development"},
            {"environment": "development", "mutant": "browser-dev-sends-without-flag"},
        ],
    )
    good = probe_page_development_silent(quiet, control, browser, environment="development")
    bad = probe_page_development_silent(mutant, control, browser, environment="development")
    assert good.verdict is Verdict.PASS, good.summary
    fails_naming(
        bad, "production.config.browser-development-silent", r"[1-9]\d* items \(\{.*'event': [1-9]\d*.*in development"
    )


@pytest.mark.browser
def test_page_init_options_and_their_mutants(target_factory: TargetFactory, browser: Any) -> None:
    hardened, unbounded, no_stack = _start(
        target_factory,
        [{}, {"mutant": "browser-breadcrumbs-unbounded"}, {"mutant": "browser-stacktrace-off"}],
    )

    def options(t: Target) -> dict[str, CheckResult]:
        results = probe_page_init_options(t, browser, max_breadcrumbs=50, attach_stacktrace=True)
        return {r.check_id: r for r in results}

    good, crumbs, stack = options(hardened), options(unbounded), options(no_stack)
    assert all(r.verdict is Verdict.PASS for r in good.values()), [r.summary for r in good.values()]
    assert len(good) == 2
    fails_naming(
        crumbs["production.config.browser-max-breadcrumbs"],
        "production.config.browser-max-breadcrumbs",
        r"100 breadcrumbs on the event, maxBreadcrumbs is 50",
    )
    fails_naming(
        stack["production.config.browser-attach-stacktrace"],
        "production.config.browser-attach-stacktrace",
        r"a captured message carries 0 stack frames; attachStacktrace is promised true",
    )
    # Each mutant breaks its own option only.
    assert crumbs["production.config.browser-attach-stacktrace"].verdict is Verdict.PASS
    assert stack["production.config.browser-max-breadcrumbs"].verdict is Verdict.PASS


PROFILES_LEVEL = 1 - 1e-6
"""The per-transaction self-test's interval level (as tests/production/test_mutants.py's traces rate): the
hardened app at 0.1 FAILs only when 15 or more of its 40 transactions are profiled, P = 3.5e-6, while the
mutant's 40/40 still FAILs."""
PROCESS_LEVEL = 0.999
"""The per-process self-test's level (exact binomial over 5 starts, tolerance ±0.15): the hardened app at
0.1 FAILs only when all 5 processes profile, P = 1e-5; the mutant's 5/5 FAILs (at 1 - 1e-4, 5 of 5 is
only INCONCLUSIVE, and 4 of 4 at 0.999 leaves P = 1e-4)."""


def test_profiles_rate_per_transaction_and_its_mutant(target_factory: TargetFactory) -> None:
    """sentry-python: one decision per sampled transaction; 40 traced requests, held 100 ms upstream."""
    traced = {"extra_env": {"SENTRY_TRACES_SAMPLE_RATE": "1"}}
    hardened, full = _start(target_factory, [traced, {**traced, "mutant": "profiles-rate-full"}])
    assert probes.profiling_unit(full) == "transaction"
    good, bad = (
        probes.probe_profiles_rate_transactions(
            t, requests=40, expected=0.1, tolerance=0.05, level=PROFILES_LEVEL, environment="production"
        )
        for t in (hardened, full)
    )
    assert good.verdict is not Verdict.FAIL, good.summary  # 40 cannot reach PASS's precision; the nightly does
    fails_naming(
        bad,
        "production.sampling.server-profiles-rate",
        r"server profiles sample rate in production \(per transaction\) 1\.0000 \(4\d/4\d\)",
    )


@pytest.mark.node
def test_profiles_rate_per_process_and_its_mutant(target_factory: TargetFactory) -> None:
    """@sentry/node: one decision per process (profileSessionSampleRate); 5 starts of each app."""

    def measured(mutant: str | None) -> CheckResult:
        return probes.probe_profiles_rate_processes(
            lambda: target_factory(
                "express-vue", environment="production", mutant=mutant, extra_env={"SENTRY_TRACES_SAMPLE_RATE": "1"}
            ),
            processes=5,
            expected=0.1,
            tolerance=0.15,
            level=PROCESS_LEVEL,
            environment="production",
        )

    good, bad = measured(None), measured("profiles-rate-full")
    assert good.verdict is not Verdict.FAIL, good.summary
    fails_naming(
        bad,
        "production.sampling.server-profiles-rate",
        r"server profiles sample rate in production \(per process\) 1\.0000 \(5/5\)",
    )
