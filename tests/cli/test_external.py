"""`sentry-gate run --target URL`: the handshake proves a deployment sends to the gate before suites run.

The deployment is a bundled target started by hand, as a user starts theirs: configured beforehand with
the DSNs the run will print, thanks to ``--ingest-port`` and ``--dsn-key``. Its suite is a tiny synthetic
one that finds the deployment through the ``gate_target`` fixture and checks what it sent.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.cli.handshake import BROWSER_PROJECT, SERVER_PROJECT
from harness.targets import TargetOptions, running_target
from harness.targets.lifecycle import free_port
from tests.support.url_run import run_on_url

KEY = "0123456789abcdef0123456789abcdef"

SUITE = """
from harness.results import CheckResult, Verdict

def test_external(gate_check, gate_target):
    target = gate_target
    assert target is not None and target.name == "external"
    items = target.server_project.items()
    verdict = Verdict.PASS if items else Verdict.FAIL
    gate_check(CheckResult("production.demo.external", verdict, f"{len(items)} item(s)", {"items": len(items)}))
"""


def _run(
    tmp_path: Path, url: str, port: int, timeout: str, *extra: str, suites_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    if suites_dir is None:
        suites = tmp_path / "suites" / "production"
        suites.mkdir(parents=True, exist_ok=True)
        (suites / "test_external.py").write_text(SUITE)
        suites_dir = tmp_path / "suites"
    args = (*(extra or ("--environment", "development")), "--suites", str(suites_dir))
    return run_on_url(url, *args, port=port, key=KEY, reports=tmp_path / "reports", handshake_timeout=timeout)


@pytest.mark.xdist_group("external-target")
def test_handshake_then_suites_run_against_the_deployment(tmp_path: Path) -> None:
    port = free_port()
    options = TargetOptions(
        environment="development",
        server_dsn=f"http://{KEY}@127.0.0.1:{port}/{SERVER_PROJECT}",
        browser_dsn=f"http://{KEY}@127.0.0.1:{port}/{BROWSER_PROJECT}",
        extra_env={"ENABLE_SENTRY": "true"},  # development is silent unless opted in; then every request is traced
    )
    with running_target("python-api", options, tmp_path / "target") as target:
        result = _run(tmp_path, target.url, port, "60")
    output = result.stdout + result.stderr
    # The synthetic check passed, but the pre-release criteria no check judged on a URL make it INCONCLUSIVE.
    assert result.returncode == 3, output
    # What to set in the deployment, for each SDK, printed before the wait.
    assert f"SENTRY_DSN=http://{KEY}@127.0.0.1:{port}/{SERVER_PROJECT}" in result.stdout
    assert "SENTRY_ENVIRONMENT=development" in result.stdout
    assert "sentry_sdk.init(" in result.stdout
    assert "Sentry.init(" in result.stdout
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "handshake:" in summary
    assert "`production.demo.external`" in summary
    assert "gate.criteria.rates" in summary


@pytest.mark.xdist_group("external-target")
def test_nothing_arriving_is_a_setup_error(tmp_path: Path) -> None:
    # A deployment that answers but never sends to the gate: the run's own ingest URL is one.
    silent = f"http://127.0.0.1:{free_port()}"
    result = _run(tmp_path, silent, free_port(), "2")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "handshake failed: nothing arrived" in result.stdout
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "set-up error (exit 2)" in summary
    assert not (next((tmp_path / "reports").iterdir()) / "results.jsonl").exists()  # no suite ran


@pytest.mark.xdist_group("external-target")
def test_the_real_suites_check_only_what_an_external_deployment_sent(tmp_path: Path) -> None:
    """The pre-release suites against a deployment: the external checks run on what it sent, and no check
    silently measures a bundled target in its place (those are skipped, and the report says so)."""
    port = free_port()
    release = "sentry-gate-external@1.2.3"
    options = TargetOptions(
        environment="production",
        release=release,
        server_dsn=f"http://{KEY}@127.0.0.1:{port}/{SERVER_PROJECT}",
        browser_dsn=f"http://{KEY}@127.0.0.1:{port}/{BROWSER_PROJECT}",
        extra_env={"SENTRY_TRACES_SAMPLE_RATE": "1.0"},
    )
    suites = Path(__file__).resolve().parents[2] / "harness" / "suites"
    with running_target("python-api", options, tmp_path / "target") as target:
        result = _run(
            tmp_path, target.url, port, "60", "--environment", "production", "--release", release, suites_dir=suites
        )
    output = result.stdout + result.stderr
    run_dir = next((tmp_path / "reports").iterdir())
    lines = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines() if x.strip()]
    ids = {r["check_id"]: r["verdict"] for r in lines}
    assert set(ids) == {"production.config.environment", "production.release.every-item", "production.release.valid"}
    assert ids["production.config.environment"] == "pass", (lines, output)
    assert ids["production.release.valid"] == "pass", (lines, output)
    summary = (run_dir / "summary.md").read_text()
    assert "were skipped" in summary, summary
