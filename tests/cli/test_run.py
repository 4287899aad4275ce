"""`sentry-gate run` end to end through a subprocess: suites run through pytest, results decide the exit code.

Exit codes (docs/cli.md): 0 pass, 1 fail, 3 inconclusive, 2 usage or set-up error. The suites here are
tiny synthetic ones written in tmp_path, so each run takes seconds, not the minutes of the real profile.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.results import Verdict
from harness.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

SUITE = """
from harness.results import CheckResult, Verdict

def test_check(gate_check, sentry_ingest, tmp_path):
    assert sentry_ingest.health()["ok"]  # the suite talks to the run's own ingest
    plot = tmp_path / "plot.svg"
    plot.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    evidence = {{"value": 42, "artefacts": [str(plot)]}}
    gate_check(CheckResult("production.demo.{name}", Verdict.{verdict}, "measured {name}", evidence))
"""


ALL_CRITERIA = ("rates", "filters", "scrubbing", "replay-masking", "source-maps", "releases", "delivery")
TARGET_FILE = """
name = "tiny"
[app]
start = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "{{port}}"]
ready = {{ http = "/", timeout_s = 10 }}
[environments.production]
[environments.staging]
[waive]
{waivers}
"""


def target_file(tmp_path: Path, *, waive: bool = True) -> Path:
    """A tiny app the gate starts (Python's http.server), with every criterion of pre-release waived so
    the synthetic suites' verdicts alone decide the exit code."""
    waivers = "\n".join(f'{k} = "synthetic suites"' for k in (*ALL_CRITERIA, "monitoring", "rollback")) if waive else ""
    path = tmp_path / "sentry-gate.toml"
    path.write_text(TARGET_FILE.format(waivers=waivers))
    return path


def run_cli(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    target = [] if "--target" in args else ["--target", str(target_file(tmp_path))]
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--reports", str(tmp_path / "reports"), *target, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def write_suites(tmp_path: Path, verdicts: dict[str, str]) -> Path:
    suites = tmp_path / "suites"
    for suite, verdict in verdicts.items():
        (suites / suite).mkdir(parents=True)
        (suites / suite / f"test_{suite}_demo.py").write_text(SUITE.format(name=suite, verdict=verdict))
    return suites


def _run(tmp_path: Path, verdicts: dict[str, str]) -> tuple[int, str, Path]:
    suites = write_suites(tmp_path, verdicts)
    result = run_cli(tmp_path, "--profile", "pre-release", "--suites", str(suites))
    report = next((tmp_path / "reports").iterdir())
    return result.returncode, result.stdout + result.stderr, report


@pytest.mark.parametrize(
    ("verdicts", "code"),
    [
        ({"production": "PASS", "privacy": "PASS"}, 0),
        ({"production": "PASS", "privacy": "FAIL"}, 1),
        ({"production": "PASS", "privacy": "INCONCLUSIVE"}, 3),
        ({"production": "INCONCLUSIVE", "privacy": "FAIL"}, 1),
        ({"production": "SKIPPED", "privacy": "SKIPPED"}, 3),  # judged nothing: never a pass
    ],
)
def test_exit_code_follows_the_verdicts(tmp_path: Path, verdicts: dict[str, str], code: int) -> None:
    exit_code, output, report = _run(tmp_path, verdicts)
    assert exit_code == code, output
    summary = (report / "summary.md").read_text()
    for suite in verdicts:
        assert f"`production.demo.{suite}`" in summary
    assert "value=42" in summary  # the figures, not only the verdict
    assert "`harness/suites/release/`" in summary  # named by the profile, absent here: listed, not passed
    assert f"(exit {code})" in summary.split("\n\n", 3)[1]  # the verdict comes first
    findings = json.loads((report / "findings.json").read_text())
    expected = {f"production.demo.{s}" for s in verdicts}
    if set(verdicts.values()) == {"SKIPPED"}:
        expected.add("gate.run.judged-nothing")  # said in the report, not a silent pass
    waived = {f"gate.criteria.{k}" for k in (*ALL_CRITERIA, "monitoring", "rollback")}  # SKIPPED, with the reason
    assert {r["check_id"] for r in findings["results"]} == expected | waived
    assert "waived: synthetic suites" in summary
    assert (report / "junit.xml").exists()
    assert (report / "ingest" / "ingest.sqlite3").exists()
    # Allure: one result per test, the check's result attached as JSON, and the artefact it named.
    allure = report / "allure-results"
    results = [json.loads(p.read_text()) for p in allure.glob("*-result.json")]
    assert len(results) == len(verdicts)
    names = {a["name"] for r in results for a in r.get("attachments", [])}
    assert {f"production.demo.{s}: plot.svg" for s in verdicts} <= names
    assert any(n.startswith("production.demo.production (") for n in names)


def test_a_suite_that_crashes_is_a_failure_not_a_pass(tmp_path: Path) -> None:
    suites = tmp_path / "suites" / "production"
    suites.mkdir(parents=True)
    (suites / "test_broken.py").write_text("def test_x():\n    raise RuntimeError('boom')\n")
    result = run_cli(tmp_path, "--suites", str(tmp_path / "suites"))
    assert result.returncode == 1
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "gate.suites.run" in summary


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "nope"], "invalid choice"),
        (["--target", "bundled:nope"], "is not one of bundled:express-vue"),
        (["--target", "ftp://example.test"], "no such file"),
        (["--target", "/no/such/sentry-gate.toml"], "no such file"),
        (["--target", __file__], "not valid TOML"),  # not a target file: refused before anything starts
        (["--environment", "prod/eu"], "not a name Sentry accepts"),
        (["--environment", "qa"], "is not declared in"),
        (["--waive", "speed=fast enough"], "not a criterion"),
        (["--waive", "rates"], "CRITERION=REASON"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(tmp_path, "--suites", str(tmp_path / "none"), *args, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_options_reach_the_suites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATE_DELIVERY_ERRORS", "7")  # a developer's own knob survives --environment
    suites = tmp_path / "suites" / "production"
    suites.mkdir(parents=True)
    (suites / "test_env.py").write_text(
        "from harness.results import CheckResult, Verdict\n"
        "def test_env(gate_settings, gate_check):\n"
        f"    open({str(tmp_path / 'settings.json')!r}, 'w').write(gate_settings.to_json())\n"
        "    gate_check(CheckResult('production.demo.settings', Verdict.PASS, 'settings written', {}))\n"
    )
    mine = target_file(tmp_path)
    result = run_cli(
        tmp_path,
        "--suites",
        str(tmp_path / "suites"),
        "--target",
        str(mine),
        "--environment",
        "staging",
        "--release",
        "shop@2.0.0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    settings = Settings.from_json((tmp_path / "settings.json").read_text())
    assert settings.target == str(mine)
    assert (settings.target_file, settings.target_name) == (mine.resolve(), "tiny")
    assert settings.environment == "staging"
    assert settings.production.environments == ("staging",)  # the production suite's narrowing
    assert settings.production.delivery_errors == 7
    assert settings.release == "shop@2.0.0"
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "environment `staging`" in summary
    assert "release `shop@2.0.0`" in summary


def test_a_run_that_judged_nothing_is_inconclusive_and_says_why(tmp_path: Path) -> None:
    suites = tmp_path / "suites" / "privacy"
    suites.mkdir(parents=True)
    (suites / "test_nothing.py").write_text(
        "import pytest\n\ndef test_nothing_to_see():\n    pytest.skip('needs a thing this run lacks')\n"
    )
    result = run_cli(tmp_path, "--profile", "privacy-audit", "--suites", str(tmp_path / "suites"))
    assert result.returncode == 3, result.stdout + result.stderr
    assert "judged nothing" in result.stdout + result.stderr or "inconclusive" in result.stdout
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "gate.run.judged-nothing" in summary
    assert "judged nothing" in summary
    assert "needs a thing this run lacks" in summary  # every skipped test is listed with its reason
    assert "test_nothing_to_see" in summary


def test_a_criterion_no_check_judged_makes_the_run_inconclusive(tmp_path: Path) -> None:
    """Passing checks are not enough: the profile's criteria that none of them judged are named (exit 3),
    and waiving them in the target file, with a reason, is what lets such a run pass."""
    suites = write_suites(tmp_path, {"production": "PASS", "privacy": "PASS"})
    unwaived = target_file(tmp_path, waive=False)
    result = run_cli(tmp_path, "--suites", str(suites), "--target", str(unwaived))
    assert result.returncode == 3, result.stdout + result.stderr
    findings = json.loads(next((tmp_path / "reports").glob("*/findings.json")).read_text())
    open_criteria = {r["check_id"] for r in findings["results"] if r["verdict"] == Verdict.INCONCLUSIVE.value}
    assert open_criteria == {f"gate.criteria.{k}" for k in (*ALL_CRITERIA, "monitoring", "rollback")}
    waived = run_cli(tmp_path, "--suites", str(suites), *[f"--waive={k}=not ours" for k in ALL_CRITERIA],
                     "--waive", "monitoring=x", "--waive", "rollback=y", "--target", str(unwaived))  # fmt: skip
    assert waived.returncode == 0, waived.stdout + waived.stderr
