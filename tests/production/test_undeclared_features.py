"""No production check FAILS an app for a feature it does not use and did not declare.

The shop's ``plain`` configuration uses neither profiling nor Replay and sends no release-health sessions;
its target file leaves those out (`tests.support.shop_run.UNDECLARED`) and says ``release_health = false``.
Through real runs of the described suites: the checks of what it does use pass, release and environment
pass without a session, and the profiling check is skipped (naming the missing declaration), never
failed. The page half (Replay undeclared) runs with the page self-tests, which share the page's one
build (`tests/production/test_described_page_variants.py`, case ``plain``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.shop_run import SuiteRun, run_suite

pytestmark = [pytest.mark.slow]

RUNS = {
    "server": ("production/test_described_server.py", "no_noise_and_profiling or quality"),
    "identity": ("production/test_described.py", "identity"),
}


def test_a_plain_app_fails_nothing_for_features_it_never_declared(tmp_path: Path) -> None:
    def one(name: str) -> SuiteRun:
        suite, selection = RUNS[name]
        return run_suite(suite, "plain", tmp_path / name, selection)

    with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
        runs = dict(zip(RUNS, pool.map(one, RUNS), strict=True))
    verdicts = {i: v for run in runs.values() for i, v in run.verdicts.items()}
    output = "\n".join(run.output for run in runs.values())
    assert "fail" not in verdicts.values(), (verdicts, output)
    assert "production.profiling.enabled" not in verdicts, (verdicts, output)
    for check_id in (
        "production.release.every-item",
        "production.config.environment",
        "production.monitoring.no-noise",
        "production.quality.in-app-frames",
    ):
        assert verdicts.get(check_id) == "pass", (check_id, verdicts, output)
