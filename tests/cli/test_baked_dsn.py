"""A page whose DSN is baked in at build time (``sentry.browser_dsn_at = "build"``): the run creates one
browser project, builds the app with its DSN in the declared variables, and hands the suites that
project, so every test reads the page's items from it (one build per run, not one per test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TARGET = """
name = "baked"
[app]
start = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "{{port}}"]
cwd = "site"
ready = {{ http = "/" }}
[app.build]
command = "printf '%s' \\"$PAGE_DSN\\" > site/dsn.txt && echo built >> {log}"
[sentry]
browser_dsn = "PAGE_DSN"
browser_dsn_at = "build"
[environments.production]
[waive]
{waivers}
"""
CRITERIA = ("rates", "filters", "scrubbing", "replay-masking", "source-maps", "releases", "delivery", "monitoring")
SUITE = """
from harness.results import CheckResult, Verdict

def test_the_page_was_built_with_the_runs_browser_project(gate_settings, sentry_ingest, gate_check):
    projects = {{p.id: p for p in sentry_ingest.projects()}}
    project = projects[gate_settings.browser_project]
    built = open({dsn_file!r}).read()
    verdict = Verdict.PASS if built == project.dsn else Verdict.FAIL
    gate_check(CheckResult("production.demo.baked", verdict, f"built {{built!r}}", {{}}))
"""


def test_the_build_gets_the_runs_browser_dsn_and_the_suites_its_project(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    log = tmp_path / "builds.log"
    waivers = "\n".join(f'{c} = "a synthetic suite"' for c in (*CRITERIA, "rollback"))
    (tmp_path / "sentry-gate.toml").write_text(TARGET.format(log=log, waivers=waivers))
    suites = tmp_path / "suites" / "production"
    suites.mkdir(parents=True)
    (suites / "test_baked.py").write_text(SUITE.format(dsn_file=str(tmp_path / "site" / "dsn.txt")))
    argv = [sys.executable, "-m", "harness.cli", "run", "--target", str(tmp_path / "sentry-gate.toml")]
    argv += ["--suites", str(tmp_path / "suites"), "--reports", str(tmp_path / "reports")]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert log.read_text().splitlines() == ["built"]  # one build for the run
    assert (tmp_path / "site" / "dsn.txt").read_text().startswith("http://")
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "DSN built in for project" in summary
