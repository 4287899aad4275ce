"""Self-tests of the page's filter checks: each client filter mutant of ``targets/MUTANTS.md`` fails its
check naming the id and what was kept; the hardened page passes every filter check in production and
development. One Chromium, the targets started side by side (the client is the same behind either
server, so the lighter Python server serves it)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.common.browser import chromium, require_chromium
from harness.production.browser import (
    probe_browser_kill_switch,
    probe_browser_traces,
    probe_page_filters,
    probe_page_options,
)
from harness.recorder import CheckRecorder
from harness.results import Verdict
from harness.targets.fixtures import TargetFactory
from harness.targets.target import Target

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ON = {"ENABLE_SENTRY": "true"}
# mutant → (environment, check id, text the failure names)
MUTANTS = {
    "extension-frames-kept": ("production", "production.filters.extension-frames", "kept 2 of 2"),
    # 3 of 4: the SDK's own default ignoreErrors drops the ResizeObserver message before beforeSend
    "dev-noise-kept": ("development", "production.filters.dev-noise", "kept 3 of 4"),
    "short-transactions-kept": ("production", "production.filters.short-transactions", "of 4.0 ms"),
    "health-transactions-kept": (
        "production",
        "production.filters.browser-health-transactions",
        "'/monitoring/health' of 200.0 ms",
    ),
}


def test_page_filters_catch_their_mutants(target_factory: TargetFactory) -> None:
    """Every case sent for real on the hardened page (production: three cases; development: the dev-noise
    one), each mutant's own case on its page."""
    require_chromium()
    runs: list[tuple[str, str | None]] = [("production", None), ("development", None)]
    runs += [(env, mutant) for mutant, (env, _, _) in MUTANTS.items()]
    only: list[list[str] | None] = [None, ["production.filters.dev-noise"]]
    only += [[check_id] for _, check_id, _ in MUTANTS.values()]

    def start(run: tuple[str, str | None]) -> Target:
        return target_factory("python-api", environment=run[0], mutant=run[1], extra_env=ON)

    with ThreadPoolExecutor(max_workers=3) as pool:
        targets = list(pool.map(start, runs))
    try:
        with chromium() as browser:
            results = [
                probe_page_filters(t, env, browser, only=cases)
                for t, (env, _), cases in zip(targets, runs, only, strict=True)
            ]
    finally:
        for t in targets:
            t.stop()
    for (env, _), hardened in zip(runs[:2], results[:2], strict=True):
        assert hardened, env
        assert all(r.verdict is Verdict.PASS for r in hardened), [r.summary for r in hardened]
        # the drops are seen in the page's client reports, not only inferred from absence
        assert all(sum(r.evidence["reported"].values()) >= r.evidence["dropped"] for r in hardened), hardened
    for (mutant, (_, check_id, measured)), [bad] in zip(MUTANTS.items(), results[2:], strict=True):
        assert bad.check_id == check_id
        assert bad.verdict is Verdict.FAIL, (mutant, bad.summary)
        with pytest.raises(pytest.fail.Exception) as failed:
            CheckRecorder()(bad)
        assert str(failed.value).startswith(f"{check_id}: "), str(failed.value)
        assert measured in str(failed.value), str(failed.value)


PRODUCTION_RATES: dict[str, float | None] = {
    "browser_traces_sample_rate": 0.1,
    "replays_session_sample_rate": 0.05,
    "replays_on_error_sample_rate": 1.0,
}
# mutant → the option the failure names, with its measured value
RATE_MUTANTS = {
    "browser-traces-rate-full": "'browser_traces_sample_rate': '1 (expected 0.1)'",
    "replay-session-rate-full": "'replays_session_sample_rate': '1 (expected 0.05)'",
    "replay-on-error-off": "'replays_on_error_sample_rate': '0 (expected 1.0)'",
}


def test_page_rates_catch_their_mutants(target_factory: TargetFactory) -> None:
    """``production.config.browser-rates`` reads what the page passed to ``Sentry.init``."""
    require_chromium()
    mutants: list[str | None] = [None, *RATE_MUTANTS]

    def start(mutant: str | None) -> Target:
        return target_factory("python-api", environment="production", mutant=mutant)

    with ThreadPoolExecutor(max_workers=2) as pool:
        targets = list(pool.map(start, mutants))
    try:
        with chromium() as browser:
            results = [probe_page_options(t, PRODUCTION_RATES, browser) for t in targets]
    finally:
        for t in targets:
            t.stop()
    assert results[0].verdict is Verdict.PASS, results[0].summary
    for (mutant, measured), bad in zip(RATE_MUTANTS.items(), results[1:], strict=True):
        assert bad.verdict is Verdict.FAIL, (mutant, bad.summary)
        with pytest.raises(pytest.fail.Exception) as failed:
            CheckRecorder()(bad)
        assert str(failed.value).startswith("production.config.browser-rates: "), str(failed.value)
        assert measured in str(failed.value), str(failed.value)


def test_browser_traces_rate_catches_full_rate(target_factory: TargetFactory) -> None:
    """Measured by page loads: 1.0 instead of 0.1 shows in 12 traces (6 pages).

    Chance of failing a correct build (exact binomial, Wilson at 99%): the hardened rate FAILs only with 8
    or more of 12 traces sampled at 0.1, P = 3.4e-6; the mutant's 12 of 12 FAILs always (interval from
    0.64, the band ends at 0.3)."""
    require_chromium()
    with ThreadPoolExecutor(max_workers=2) as pool:
        hardened, mutated = pool.map(
            lambda m: target_factory("python-api", environment="production", mutant=m),
            [None, "browser-traces-rate-full"],
        )
    try:
        good, _ = probe_browser_traces(
            hardened, traces=12, expected=0.1, tolerance=0.2, level=0.99, environment="production"
        )
        bad, declared = probe_browser_traces(
            mutated, traces=12, expected=0.1, tolerance=0.2, level=0.99, environment="production"
        )
    finally:
        hardened.stop()
        mutated.stop()
    assert good.verdict is not Verdict.FAIL, good.summary  # 12 traces cannot reach PASS's precision
    assert bad.verdict is Verdict.FAIL, bad.summary
    assert declared.verdict is Verdict.FAIL, declared.summary
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(bad)
    assert str(failed.value).startswith("production.sampling.browser-traces-rate: "), str(failed.value)
    assert "browser traces sample rate in production 1.0000 (12/12)" in str(failed.value)


def test_browser_kill_switch_catches_ignored_overrides(target_factory: TargetFactory) -> None:
    """Development opted in (every base rate 1.0), so an ignored override sends on every page."""
    require_chromium()
    env = {
        **ON,
        "SENTRY_TRACES_SAMPLE_RATE": "0",
        "SENTRY_BROWSER_TRACES_SAMPLE_RATE": "0",
        "SENTRY_REPLAYS_SESSION_SAMPLE_RATE": "0",
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        hardened, mutated = pool.map(
            lambda m: target_factory("python-api", environment="development", mutant=m, extra_env=env),
            [None, "kill-switch-ignored"],
        )
    try:
        with chromium() as browser:
            good = probe_browser_kill_switch(hardened, browser, pages=3)
            bad = probe_browser_kill_switch(mutated, browser, pages=3)
    finally:
        hardened.stop()
        mutated.stop()
    assert good.verdict is Verdict.PASS, good.summary
    assert bad.verdict is Verdict.FAIL, bad.summary
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(bad)
    message = str(failed.value)
    assert message.startswith("production.rollback.browser-kill-switch: "), message
    assert re.search(r"[1-9]\d* traced items \(\{'transaction': [1-9]", message), message
