"""`sentry-gate run` end to end: suites run through pytest, results decide the exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = """
from harness.results import CheckResult, Verdict

def test_check(gate_check, sentry_ingest):
    assert sentry_ingest.health()["ok"]  # the suite talks to the run's own ingest
    gate_check(CheckResult("production.demo.{name}", Verdict.{verdict}, "measured {name}", {{"value": 42}}))
"""


def _run(tmp_path: Path, verdicts: dict[str, str]) -> tuple[int, str, Path]:
    suites = tmp_path / "suites"
    for suite, verdict in verdicts.items():
        (suites / suite).mkdir(parents=True)
        (suites / suite / f"test_{suite}_demo.py").write_text(SUITE.format(name=suite, verdict=verdict))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "run",
            "--profile",
            "pre-release",
            "--suites",
            str(suites),
            "--reports",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    report = next((tmp_path / "reports").iterdir())
    return result.returncode, result.stdout + result.stderr, report


@pytest.mark.parametrize(
    ("verdicts", "code"),
    [
        ({"production": "PASS", "privacy": "PASS"}, 0),
        ({"production": "PASS", "privacy": "FAIL"}, 1),
        ({"production": "PASS", "privacy": "INCONCLUSIVE"}, 3),
        ({"production": "INCONCLUSIVE", "privacy": "FAIL"}, 1),
    ],
)
def test_exit_code_follows_the_verdicts(tmp_path: Path, verdicts: dict[str, str], code: int) -> None:
    exit_code, output, report = _run(tmp_path, verdicts)
    assert exit_code == code, output
    summary = (report / "summary.md").read_text()
    for suite in verdicts:
        assert f"`production.demo.{suite}`" in summary
    assert "`suites/release/`" in summary  # named by the profile, absent here: listed, not passed
    findings = json.loads((report / "findings.json").read_text())
    assert {r["check_id"] for r in findings["results"]} == {f"production.demo.{s}" for s in verdicts}
    assert (report / "junit.xml").exists()
    assert (report / "ingest" / "ingest.sqlite3").exists()


def test_a_suite_that_crashes_is_a_failure_not_a_pass(tmp_path: Path) -> None:
    suites = tmp_path / "suites" / "production"
    suites.mkdir(parents=True)
    (suites / "test_broken.py").write_text("def test_x():\n    raise RuntimeError('boom')\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "run",
            "--suites",
            str(tmp_path / "suites"),
            "--reports",
            str(tmp_path / "reports"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 1
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "gate.suites.run" in summary
