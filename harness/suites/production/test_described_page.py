"""Browser production checks on an app known only by its target file: its page, reached hook-free.

The bundled apps' browser checks (``test_production.py``) drive their page through ``window.__gate``; an
app known only by its file has no such hook, so these tests reach its page through what the file declares:
the ``[journey]`` (steps or function) and its ``error_steps`` (a bug of the page its own SDK reports), the
environments' browser promises, ``[expect] browser_drops`` and the ``[sentry.rates]`` variables for the
kill switch (`harness.production.described_page`). The check ids are the bundled suite's, so a report
reads the same on either kind of app.

A page whose DSN is built in (``browser_dsn_at = "build"``) reports to the one project the run built it
for (``sentry-gate run``'s preflight); each probe tells its own items apart by its browser's user agent.

Sizes: the browser traces rate and the replay rates are sized for their power at the file's tolerances
(`harness.stats.sample_size`) unless the settings fix ``production.browser_pages`` or
``production.replay_sessions`` (self-tests, a nightly that carries more); each verdict states its power.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.common.browser import chromium_for_tests
from harness.production import described_page
from harness.production.described_page import PageJourney
from harness.recorder import CheckRecorder
from harness.stats import familywise_level, sample_size
from harness.suites.production.described_common import (
    BUNDLED_ONLY,
    PARAMS,
    RELEASE,
    SETTINGS,
    TARGETS,
    description,
    expectations,
    record,
    start_opted_in,
)
from harness.targets.fixtures import TargetFactory

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.skipif(not TARGETS, reason=BUNDLED_ONLY)]
# The page's measured rates: browser traces, replay session, replay on-error (one family).
RATE_CHECKS = 3


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_for_tests()


def _page(target: str, *, error: bool = False) -> PageJourney:
    """The file's journey, or a skip naming the field the check needs; a page whose DSN is built in needs
    the run's build (its project), which ``sentry-gate run`` makes before the suites."""
    described = description(target)
    model = described.model
    if not model.sentry.browser_dsn:
        pytest.skip(f"{described.path} names no [sentry] browser_dsn: the app has no page SDK to check")
    if model.sentry.browser_dsn_at == "build" and SETTINGS.browser_project is None:
        pytest.skip(
            f'{described.path}: the page\'s DSN is built in (browser_dsn_at = "build") and this run built no'
            " page for a project (sentry-gate run's preflight does)"
        )
    journey = model.journey
    if journey is None or (journey.function is None and not journey.steps):
        pytest.skip(f"{described.path} declares no [journey] steps or function")
    if error and not journey.error_steps:
        pytest.skip(f"{described.path} declares no [journey] error_steps (an error the page reports itself)")
    return PageJourney(journey, described.path.parent)


@pytest.mark.parametrize("target", PARAMS)
def test_page_identity(target: str, target_factory: TargetFactory, gate_check: CheckRecorder, browser: Any) -> None:
    """Environment and release on everything the journey and its error steps sent."""
    journey = _page(target, error=True)
    exp = expectations(target)
    app = start_opted_in(target, target_factory)
    results = described_page.probe_page_identity(app, browser, journey, environment=exp.primary, release=RELEASE)
    app.stop()
    record(gate_check, *results)


@pytest.mark.parametrize("target", PARAMS)
def test_page_max_breadcrumbs(
    target: str, target_factory: TargetFactory, gate_check: CheckRecorder, browser: Any
) -> None:
    """The error steps' error after twice the promised number of breadcrumbs: exactly the promised number."""
    journey = _page(target, error=True)
    exp = expectations(target)
    limit = exp.environment(exp.primary).browser_max_breadcrumbs
    if limit is None:
        pytest.skip(f"{exp.source} states no browser_max_breadcrumbs for {exp.primary}")
    app = start_opted_in(target, target_factory)
    result = described_page.probe_page_breadcrumbs(app, browser, journey, limit=limit)
    app.stop()
    record(gate_check, result)


@pytest.mark.parametrize("target", PARAMS)
def test_page_attach_stacktrace(
    target: str, target_factory: TargetFactory, gate_check: CheckRecorder, browser: Any
) -> None:
    """A console error the page captures carries a stack trace exactly when attachStacktrace is promised."""
    journey = _page(target)
    exp = expectations(target)
    expected = exp.environment(exp.primary).browser_attach_stacktrace
    if expected is None:
        pytest.skip(f"{exp.source} states no browser_attach_stacktrace for {exp.primary}")
    app = start_opted_in(target, target_factory)
    result = described_page.probe_page_attach_stacktrace(app, browser, journey, expected=expected)
    app.stop()
    record(gate_check, result)


@pytest.mark.parametrize("target", PARAMS)
def test_page_filters(target: str, target_factory: TargetFactory, gate_check: CheckRecorder, browser: Any) -> None:
    """Each of ``[expect] browser_drops``: the noise raised in the page never arrives, a comparable error does."""
    journey = _page(target)
    drops = description(target).model.expect.browser_drops
    if not drops:
        pytest.skip(f"{description(target).path} states no [expect] browser_drops")
    app = start_opted_in(target, target_factory)
    results = described_page.probe_page_filters(app, browser, journey, drops)
    app.stop()
    record(gate_check, *results)


@pytest.mark.parametrize("target", PARAMS)
def test_page_delivery(target: str, target_factory: TargetFactory, gate_check: CheckRecorder, browser: Any) -> None:
    """Unhandled rejections in bursts of 5 (``production.browser_delivery_errors`` of them): all arrive."""
    journey = _page(target)
    app = start_opted_in(target, target_factory)
    errors = SETTINGS.production.browser_delivery_errors
    result = described_page.probe_page_delivery(app, browser, journey, errors=errors)
    app.stop()
    record(gate_check, result)


@pytest.mark.parametrize("target", PARAMS)
def test_page_traces_rate(target: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    journey = _page(target)
    exp = expectations(target)
    rate = exp.environment(exp.primary).browser_traces_sample_rate
    if rate is None:
        pytest.skip(f"{exp.source} states no browser_traces_sample_rate for {exp.primary}")
    level = familywise_level(exp.alpha, RATE_CHECKS)
    pages = SETTINGS.production.browser_pages or sample_size(rate, exp.browser_tolerance, level=level)
    app = start_opted_in(target, target_factory)
    results = described_page.probe_page_traces(
        app,
        journey,
        pages=pages,
        expected=rate,
        tolerance=exp.browser_tolerance,
        level=level,
        environment=exp.primary,
    )
    app.stop()
    record(gate_check, *results)


@pytest.mark.parametrize("target", PARAMS)
def test_page_replay_rates(target: str, target_factory: TargetFactory, gate_check: CheckRecorder) -> None:
    journey = _page(target, error=True)
    exp = expectations(target)
    env = exp.environment(exp.primary)
    if env.replays_session_sample_rate is None or env.replays_on_error_sample_rate is None:
        pytest.skip(f"{exp.source} states no replays_session_sample_rate and replays_on_error_sample_rate")
    if journey.journey.function is not None:
        pytest.skip(f"{exp.source}: replay sessions run the journey's steps side by side, not its function")
    level = familywise_level(exp.alpha, RATE_CHECKS)
    tol = exp.replay_tolerance
    sessions = SETTINGS.production.replay_sessions or max(
        sample_size(env.replays_session_sample_rate, tol, level=level),
        # the on-error rate is measured over the sessions not sampled whole
        round(sample_size(env.replays_on_error_sample_rate, tol, level=level) / (1 - env.replays_session_sample_rate)),
    )
    app = start_opted_in(target, target_factory)
    results = described_page.probe_page_replays(
        app,
        journey,
        sessions=sessions,
        session_rate=env.replays_session_sample_rate,
        on_error_rate=env.replays_on_error_sample_rate,
        tolerance=tol,
        level=level,
        environment=exp.primary,
        traces_rate=env.browser_traces_sample_rate,
    )
    app.stop()
    record(gate_check, *results)


@pytest.mark.parametrize("target", PARAMS)
def test_page_kill_switch(target: str, target_factory: TargetFactory, gate_check: CheckRecorder, browser: Any) -> None:
    journey = _page(target, error=True)
    rates = description(target).model.sentry.rates
    browser_rates = ("browser_traces_sample_rate", "replays_session_sample_rate")
    zero = {v: "0" for name in browser_rates for v in rates.get(name, [])}
    if not zero:
        pytest.skip(f"{description(target).path} names no [sentry.rates] browser rate variables")
    # Where the page traces most (dev opted in, say): a page that ignores the variables then sends for sure.
    exp = expectations(target)
    busiest = max(exp.environments.values(), key=lambda e: (e.browser_traces_sample_rate or 0.0, e.name == exp.primary))
    app = start_opted_in(target, target_factory, zero, environment=busiest.name)
    result = described_page.probe_page_kill_switch(app, browser, journey)
    app.stop()
    record(gate_check, result)


@pytest.mark.parametrize("target", PARAMS)
def test_page_development_silent(
    target: str, target_factory: TargetFactory, gate_check: CheckRecorder, browser: Any
) -> None:
    """The page in the first environment that promises silence sends nothing; the same page opted in does."""
    journey = _page(target, error=True)
    exp = expectations(target)
    silent = [e for e in exp.environments.values() if not e.sends]
    if not silent:
        pytest.skip(f"every environment of {exp.source} sends: production.config.browser-development-silent not judged")
    env = silent[0]
    control = start_opted_in(target, target_factory, environment=env.name)
    quiet = target_factory(target, environment=env.name, release=RELEASE, fault_token=None)
    result = described_page.probe_page_development_silent(quiet, control, browser, journey)
    control.stop()
    quiet.stop()
    record(gate_check, result)


@pytest.mark.parametrize("target", PARAMS)
def test_page_dsn_removed(target: str) -> None:
    """With the DSN given at start this is a restart without it; with it built in it needs a build without
    a DSN, and the built page is one file in the app's source tree that every worker of the run serves:
    rebuilding it would take the page's DSN away from the other tests running at the same time."""
    described = description(target)
    if described.model.sentry.browser_dsn_at == "build":
        pytest.skip(
            f"{described.path}: the page's DSN is built in, and a build without it would replace the one"
            " bundle every worker of the run serves: production.rollback.browser-dsn-removed not judged"
        )
    pytest.skip(
        f"{described.path}: the page's DSN is given at start; production.rollback.browser-dsn-removed is not yet"
        " judged on a described app's page"
    )
