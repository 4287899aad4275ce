"""The report a person reads: verdict and failures first, the plan's criteria, figures, masked findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.report import CRITERIA, RunInfo, criteria_status, figures, mask_evidence, render_summary, write_report
from harness.results import CheckResult, MaskedLocation, Verdict

INFO = RunInfo("r1", "pre-release", "bundled:express-vue", "2026-01-01 00:00:00 UTC", 12.5, "http://127.0.0.1:1")
SECRET = "sk_live_abcdefghijklmnopqrstuvwxyz"


def _results() -> list[CheckResult]:
    return [
        CheckResult("production.sampling.server-traces-rate", Verdict.PASS, "0.101 in [0.09, 0.11]", {"n": 4000}),
        CheckResult(
            "privacy.server.headers",
            Verdict.FAIL,
            "1 canary in headers",
            {"requests": 12, "api_key": SECRET},
            (MaskedLocation.of("request 3 / event / $.request.headers.X-Api-Key", "canary:api-key", SECRET),),
        ),
        CheckResult("performance.overhead.server-latency", Verdict.INCONCLUSIVE, "bound 2.4% > 2%", {"ci": [0.5, 2.4]}),
    ]


def test_verdict_and_failures_come_first() -> None:
    text = render_summary(INFO, _results())
    head = text.split("## The plan's success criteria")[0]
    assert "## Verdict: ❌ fail (exit 1)" in head
    failures = head.split("## Failures and inconclusive checks")[1]
    assert failures.index("privacy.server.headers") < failures.index("performance.overhead.server-latency")
    assert "production.sampling.server-traces-rate" not in failures


def test_no_secret_reaches_the_summary_or_the_json(tmp_path: Path) -> None:
    write_report(tmp_path, INFO, _results())
    for name in ("summary.md", "findings.json"):
        text = (tmp_path / "r1" / name).read_text()
        assert SECRET not in text, name
    findings = json.loads((tmp_path / "r1" / "findings.json").read_text())
    assert findings["verdict"] == "fail"
    assert findings["results"][1]["locations"][0]["length"] == len(SECRET)
    assert "sk…⟨len" in (tmp_path / "r1" / "summary.md").read_text()


def test_criteria_follow_id_families_so_new_ids_count() -> None:
    by_seed = {s.criterion.seed: s for s in criteria_status(_results())}
    perf = by_seed["< 2% performance impact"]
    assert perf.verdict is Verdict.INCONCLUSIVE  # a performance.* id no one listed by name
    assert by_seed["resilience"].verdict is None  # not checked, never a pass
    assert (
        by_seed["sensitive data filtering (authorization, cookie, x-api-key, x-forwarded-for, query strings)"].verdict
        is Verdict.FAIL
    )
    assert len(CRITERIA) == 11  # DESIGN.md's table, row for row
    text = render_summary(INFO, _results())
    assert "➖ not checked in this run" in text


def test_figures_are_short_and_masked() -> None:
    assert (
        figures({"n": 4000, "rate": 0.1012345, "ci": [0.09, 0.11], "ok": True})
        == "n=4000, rate=0.1012, ci=[0.09, 0.11], ok=true"
    )
    assert mask_evidence({"nested": {"dsn": "http://0123456789abcdef@127.0.0.1/1"}})["nested"]["dsn"].startswith("ht…")
    assert figures({}) == ""


def test_setup_error_is_reported_instead_of_a_verdict(tmp_path: Path) -> None:
    info = RunInfo(**{**INFO.__dict__, "setup_error": "handshake failed: nothing arrived"})
    text = render_summary(info, [])
    assert "## Verdict: 🛑 set-up error (exit 2)" in text
    assert "handshake failed" in text


def test_step_summary_is_appended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    step = tmp_path / "step.md"
    step.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    write_report(tmp_path, INFO, _results())
    text = step.read_text()
    assert text.startswith("earlier step\n")
    assert "# sentry-gate report: pre-release on bundled:express-vue" in text
