"""Self-tests of the checks that read what the page really sends: replay rates measured over sessions,
release and environment on the page's items, the page with its DSN removed, and browser delivery.
Each runs against the mutant that breaks it (FAIL naming the check id and the measured value) and the
hardened page (PASS, or not-FAIL where the sample is too small for PASS's precision). The client is the
same behind either server, so the lighter Python server serves it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.common.browser import chromium, require_chromium
from harness.production.browser import probe_browser_delivery
from harness.production.page_items import probe_page_dsn_removed, probe_page_identity
from harness.production.replay import probe_replay_rates
from harness.results import CheckResult, Verdict
from harness.targets.fixtures import TargetFactory
from harness.targets.options import DEFAULT_RELEASE
from harness.targets.target import Target
from tests.support.verdicts import fails_naming
from tests.targets.support import catalogue

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    require_chromium()


def _start(factory: TargetFactory, mutants: list[str | None], **kwargs: object) -> list[Target]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda m: factory("python-api", environment="production", mutant=m, **kwargs), mutants))


def test_replay_rates_catch_their_mutants(target_factory: TargetFactory) -> None:
    """6 sessions each (the three targets side by side, each session mostly waiting out the SDK's 5 s
    minimum): 1.0 instead of 0.05 (session) and 0 instead of 1.0 (on error) fall outside ±0.35.

    Chance of failing a correct build (exact binomial, Wilson at 99%): the hardened session rate FAILs only
    if all 6 sessions are sampled whole at 0.05, P = 1.6e-8; its on-error rate is 1.0, so every
    error session sends its buffer and it cannot FAIL. The mutants' verdicts are certain: 6 of 6 sampled
    whole at 1.0; and the on-error mutant runs with the session rate overridden to 0, so all 6 sessions
    are error sessions and 0 of 6 FAILs (at 0.05 three or more sessions sampled whole, P = 2.2e-3, left
    0 of 3, whose interval reaches into the band: INCONCLUSIVE). The flush hook's 10 s is a deadline."""
    mutants: list[str | None] = [None, "replay-session-rate-full", "replay-on-error-off"]
    only_error_sessions = {"SENTRY_REPLAYS_SESSION_SAMPLE_RATE": "0"}
    with ThreadPoolExecutor(max_workers=3) as pool:
        targets = list(
            pool.map(
                lambda m: target_factory(
                    "python-api",
                    environment="production",
                    mutant=m,
                    extra_env=only_error_sessions if m == "replay-on-error-off" else {},
                ),
                mutants,
            )
        )

    def probe(t: Target) -> tuple[CheckResult, CheckResult]:
        return probe_replay_rates(
            t,
            sessions=6,
            session_rate=0.05,
            on_error_rate=1.0,
            tolerance=0.35,
            level=0.99,
            environment="production",
            concurrency=6,
        )

    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            hardened, full, off = pool.map(probe, targets)
    finally:
        for t in targets:
            t.stop()
    assert all(r.verdict is not Verdict.FAIL for r in hardened), [r.summary for r in hardened]
    fails_naming(
        full[0], "production.sampling.replay-session-rate", r"replay session sample rate in production 1\.0000 \(6/6\)"
    )
    fails_naming(off[1], "production.replay.on-error", r"replay on-error rate in production .* 0\.0000 \(0/6\)")


# mutant → (the check it breaks, the measured value the failure names)
IDENTITY_MUTANTS = {
    "no-release": ("production.release.browser-every-item", r"release \{.*'event:None': [1-9]"),
    "browser-release-mismatch": ("production.release.browser-every-item", r"sentry-gate-target@1\.0\.0-client"),
    "wrong-environment": ("production.config.browser-environment", r"environment \{.*'event:development': [1-9]"),
}


def test_page_identity_catches_its_mutants(target_factory: TargetFactory) -> None:
    mutants: list[str | None] = [None, *IDENTITY_MUTANTS]
    targets = _start(target_factory, mutants, release=DEFAULT_RELEASE)
    try:
        with chromium() as browser:
            results = [
                probe_page_identity(t, browser, environment="production", release=DEFAULT_RELEASE) for t in targets
            ]
    finally:
        for t in targets:
            t.stop()
    assert all(r.verdict is Verdict.PASS for r in results[0]), [r.summary for r in results[0]]
    for (check_id, measured), found in zip(IDENTITY_MUTANTS.values(), results[1:], strict=True):
        [result] = [r for r in found if r.check_id == check_id]
        fails_naming(result, check_id, measured)


def test_page_dsn_removed_fails_when_the_page_sends(target_factory: TargetFactory) -> None:
    """No mutant keeps a removed DSN, so the failing case is a page that has one: the check must see its
    items; the page without a DSN passes beside the same control."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        quiet, sending = pool.map(
            lambda env: target_factory("python-api", environment="production", extra_env=env),
            [{"SENTRY_DSN": None, "SENTRY_DSN_BROWSER": None}, {}],
        )
    try:
        with chromium() as browser:
            good = probe_page_dsn_removed(quiet, sending, browser)
            bad = probe_page_dsn_removed(sending, sending, browser)
    finally:
        quiet.stop()
        sending.stop()
    assert good.verdict is Verdict.PASS, good.summary
    fails_naming(bad, "production.rollback.browser-dsn-removed", r"[1-9]\d* items \(\{.*'event': [1-9]")


KEEPALIVE_MUTANT = "browser-keepalive-only"


def test_browser_delivery(target_factory: TargetFactory) -> None:
    """200 unique errors arrive from the hardened page; the page on the SDK's default transport (every
    envelope keepalive, no retry) loses some to rejected keepalive requests, which the check fails.

    How many the mutant loses depends on how Chromium's keepalive books run (120-144 of 200 in bursts of
    5, docs/production.md), so the test asks only that some were lost and reported. One at a time, a
    loaded CI machine once saw the mutant lose none."""
    listed = any(row["name"] == KEEPALIVE_MUTANT for row in catalogue())
    mutants: list[str | None] = [None, KEEPALIVE_MUTANT] if listed else [None]
    targets = _start(target_factory, mutants)
    try:
        with chromium() as browser:
            results = [probe_browser_delivery(t, errors=200, browser=browser) for t in targets]
    finally:
        for t in targets:
            t.stop()
    assert results[0].verdict is Verdict.PASS, results[0].summary
    if not listed:
        pytest.skip(f"{KEEPALIVE_MUTANT} is not in targets/MUTANTS.md yet: only the hardened side ran")
    fails_naming(results[1], "production.delivery.browser-errors", r"received 1?\d?\d/200 .*'network_error': \d+")
