"""``sentry-gate release`` (harness.cli.release_cmd) end to end: it starts its own fake Sentry, runs the flow, prints
the checks. Kept beside the release tests for their built-client fixtures."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from harness.cli.release_cmd import register, run

pytestmark = pytest.mark.node


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sentry-gate")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["release", *argv])


def test_release_command_reports_steps_and_checks(
    fresh_copy: Callable[[str], Path], sentry_cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dist = fresh_copy("hardened")
    out = tmp_path / "release.json"
    code = run(_args("--dist", str(dist), "--release", "cmd@1", "--environment", "staging", "--json", str(out)))
    printed = capsys.readouterr().out
    report = orjson.loads(out.read_bytes())
    verdicts = {r["check_id"]: r["verdict"] for r in report["results"]}
    # The flow's time against its 2-minute budget is printed, not asserted (issue 13: no upper bound on a
    # measured duration; the budget's logic is unit-tested in test_flow.py). Every other check must pass,
    # and the exit code must say whether all of them did.
    duration = verdicts.pop("release.pipeline.duration")
    assert set(verdicts.values()) == {"pass"}, printed
    assert code == (0 if duration == "pass" else 1), printed
    for step in ("releases-new", "sourcemaps-inject", "sourcemaps-upload", "releases-finalize", "deploys-new"):
        assert step in printed
    assert "PASS  release.pipeline.deploy: release 'cmd@1' has 1 deploy(s) in ['staging']" in printed
    assert "release.pipeline.duration: release flow took " in printed
    assert [s["name"] for s in report["flow"]["steps"]] == [
        "releases-new",
        "sourcemaps-inject",
        "sourcemaps-upload",
        "releases-finalize",
        "deploys-new",
    ]


def test_release_command_fails_on_a_pipeline_mutant(
    fresh_copy: Callable[[str], Path], sentry_cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(_args("--dist", str(fresh_copy("hardened")), "--release", "cmd@2", "--skip", "releases-finalize"))
    printed = capsys.readouterr().out
    assert code == 1
    assert "FAIL  release.pipeline.finalize: release 'cmd@2' dateReleased=None: never finalized" in printed
    assert "releases-finalize     skipped" in printed
