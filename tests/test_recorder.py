"""`gate_check`'s recorder: results as JSON lines, verdicts as test outcomes, artefacts for Allure."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.recorder import ARTEFACTS, CheckRecorder, artefact_paths, attach_result, read_results
from harness.results import CheckResult, Verdict


def test_results_round_trip_and_verdicts_drive_the_outcome(tmp_path: Path) -> None:
    recorder = CheckRecorder(tmp_path / "results.jsonl")
    recorder(CheckResult("production.demo.ok", Verdict.PASS, "fine", {"n": 1}))
    with pytest.raises(pytest.fail.Exception, match=r"production\.demo\.bad: measured 7"):
        recorder(CheckResult("production.demo.bad", Verdict.FAIL, "measured 7"))
    with pytest.raises(pytest.skip.Exception, match=r"INCONCLUSIVE production\.demo\.maybe"):
        recorder(CheckResult("production.demo.maybe", Verdict.INCONCLUSIVE, "too few"))
    assert [(r.check_id, r.verdict) for r in read_results(tmp_path / "results.jsonl")] == [
        ("production.demo.ok", Verdict.PASS),
        ("production.demo.bad", Verdict.FAIL),
        ("production.demo.maybe", Verdict.INCONCLUSIVE),
    ]


def test_artefacts_listed_in_evidence_are_attached_when_they_exist(tmp_path: Path) -> None:
    png = tmp_path / "replay.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = CheckResult(
        "privacy.demo.replay", Verdict.PASS, "ok", {ARTEFACTS: [str(png), str(tmp_path / "missing.json")]}
    )
    assert artefact_paths(result) == [png]
    # No allure listener in this process: the calls go nowhere, but the files are found and attached.
    assert attach_result(result) == 1
    assert artefact_paths(CheckResult("privacy.demo.none", Verdict.PASS, "ok", {ARTEFACTS: str(png)})) == [png]
