"""Every exit code of `sentry-gate run`, each proved end to end through a subprocess (docs/cli.md):

- 0 pass, 1 fail, 3 inconclusive: the verdicts (synthetic suites, `tests/cli/test_run.py`);
- 2 a usage or set-up error: a bad target file, a target that does not start, nothing arriving from a URL
  (`tests/cli/test_bad_target_files.py`, `tests/cli/test_external.py`);
- 130 and 143: SIGINT and SIGTERM (`tests/cli/test_run_signals.py`).

This module holds the one case the issue names outright: a privacy audit of a URL, where no check can
run (each needs a target the gate starts), exits 3 and says why, instead of passing on nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.results import Verdict
from harness.targets import TargetOptions, running_target
from harness.targets.lifecycle import free_port
from tests.support.url_run import deployment_dsns, run_on_url

KEY = "fedcba9876543210fedcba9876543210"


@pytest.mark.slow
@pytest.mark.xdist_group("external-target")
def test_a_privacy_audit_of_a_url_with_nothing_checkable_exits_3_and_says_why(tmp_path: Path) -> None:
    port = free_port()
    server_dsn, browser_dsn = deployment_dsns(KEY, port)
    options = TargetOptions(
        server_dsn=server_dsn, browser_dsn=browser_dsn, extra_env={"SENTRY_TRACES_SAMPLE_RATE": "1.0"}
    )
    with running_target("python-api", options, tmp_path / "deployment") as deployment:
        result = run_on_url(
            deployment.url, "--profile", "privacy-audit", port=port, key=KEY, reports=tmp_path / "reports"
        )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "verdict inconclusive" in output
    run_dir = next((tmp_path / "reports").iterdir())
    findings = json.loads((run_dir / "findings.json").read_text())
    verdicts = {r["check_id"]: r for r in findings["results"]}
    assert verdicts["gate.run.judged-nothing"]["verdict"] == Verdict.INCONCLUSIVE.value
    assert "judged nothing" in verdicts["gate.run.judged-nothing"]["summary"]
    for criterion in ("scrubbing", "replay-masking"):  # what a privacy audit promises, named as not judged
        assert verdicts[f"gate.criteria.{criterion}"]["verdict"] == Verdict.INCONCLUSIVE.value
    summary = (run_dir / "summary.md").read_text()
    assert "restarts the target with other settings" in summary  # each skipped test, with its reason
