"""The CLI end to end as a user runs it: `ingest serve` prints its URL and DSNs; `run` writes a report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from harness.cli import main
from harness.ingest import start_ingest

KEY = "0123456789abcdef0123456789abcdef"


def test_ingest_serve_prints_ready_and_a_stable_dsn(tmp_path: Path) -> None:
    process = start_ingest(tmp_path / "d", projects=[(7, KEY)], extra_args=["--tail"])
    try:
        assert process.url.startswith("http://127.0.0.1:")
        assert process.dsns[7] == f"http://{KEY}@{process.url.removeprefix('http://')}/7"
        r = httpx.post(
            f"{process.url}/api/7/envelope/?sentry_key={KEY}",
            content=b'{"event_id":"' + b"a" * 32 + b'"}\n{"type":"event"}\n{}',
        )
        assert r.json() == {"id": "a" * 32}
    finally:
        process.stop()
    lines = process.log_path.read_text().splitlines()
    assert lines[0].startswith("READY http://127.0.0.1:")
    assert any(line.startswith("DSN project=7 ") for line in lines)
    assert any(" 200 project=7 event" in line for line in lines), lines  # the live tail


def test_default_project_when_none_declared(tmp_path: Path) -> None:
    process = start_ingest(tmp_path / "d")
    try:
        assert list(process.dsns) == [1]
    finally:
        process.stop()


def test_run_writes_a_report_and_says_which_suites_are_missing(tmp_path: Path) -> None:
    code = main(
        [
            "run",
            "--profile",
            "pre-release",
            "--reports",
            str(tmp_path / "reports"),
            "--suites",
            str(tmp_path / "no-suites"),
            "--target",
            "bundled:python-api",
        ]
    )
    assert code == 3  # a run that judged nothing is never a pass
    summary = next((tmp_path / "reports").glob("*/summary.md")).read_text()
    assert "harness/suites/production/" in summary
    assert "gate.run.judged-nothing" in summary
    assert (next((tmp_path / "reports").glob("*/findings.json"))).exists()


def test_bad_usage_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--profile", "nope"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
