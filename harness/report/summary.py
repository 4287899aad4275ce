"""Render a run's results as Markdown a person reads in a minute, and JSON a machine reads.

Order is for the reader: the overall verdict and what failed come first, then the seed plan's
success criteria with their status, then every check with its figures, then privacy findings
(masked locations) and notes. Results carry no secret values (see `harness.results`); evidence is
still passed through `mask_evidence` so a value planted by mistake under a secret-looking key never
reaches a report.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.report.criteria import criteria_status
from harness.report.evidence import figures, mask_evidence
from harness.report.skips import SkippedTest, group_by_reason
from harness.results import CheckResult, Verdict, overall_verdict

__all__ = ["RunInfo", "render_summary", "write_report"]

_ICON = {
    Verdict.PASS: "✅ pass",
    Verdict.FAIL: "❌ fail",
    Verdict.INCONCLUSIVE: "⚠️ inconclusive",
    Verdict.SKIPPED: "⏭ skipped",
}
_ORDER = {Verdict.FAIL: 0, Verdict.INCONCLUSIVE: 1, Verdict.PASS: 2, Verdict.SKIPPED: 3}
_EXIT = {Verdict.PASS: 0, Verdict.SKIPPED: 0, Verdict.FAIL: 1, Verdict.INCONCLUSIVE: 3}
_MEANING = {
    Verdict.PASS: "Every check that ran passed",
    Verdict.SKIPPED: "No check ran",
    Verdict.FAIL: "At least one check failed: do not release until the failures below are fixed",
    Verdict.INCONCLUSIVE: "Nothing failed, but some checks could not decide: read them below before releasing",
}


@dataclass
class RunInfo:
    run_id: str
    profile: str
    target: str
    started_at: str
    duration_s: float
    ingest_url: str
    suites_found: list[str] = field(default_factory=list)
    suites_missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    environment: str | None = None
    release: str | None = None
    setup_error: str | None = None
    """Set when the run stopped before its suites (exit 2): the report says why instead of a verdict."""
    skipped: list[SkippedTest] = field(default_factory=list)
    """Tests pytest skipped (from junit.xml), each with its reason: listed, never counted as passed."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _headline(info: RunInfo, results: list[CheckResult]) -> list[str]:
    if info.setup_error:
        return ["## Verdict: 🛑 set-up error (exit 2)", "", _cell(info.setup_error), ""]
    verdict = overall_verdict(results)
    counts = {v: sum(r.verdict is v for r in results) for v in Verdict}
    label = _ICON[verdict] if results else "no checks ran"
    return [
        f"## Verdict: {label} (exit {_EXIT[verdict]})",
        "",
        f"{_MEANING[verdict]}. {len(results)} check(s): {counts[Verdict.PASS]} pass, {counts[Verdict.FAIL]} fail,"
        f" {counts[Verdict.INCONCLUSIVE]} inconclusive, {counts[Verdict.SKIPPED]} skipped.",
        "",
    ]


def _problems(results: list[CheckResult]) -> list[str]:
    bad = [r for r in results if r.verdict in (Verdict.FAIL, Verdict.INCONCLUSIVE)]
    if not bad:
        return []
    bad.sort(key=lambda r: (_ORDER[r.verdict], r.check_id))
    lines = ["## Failures and inconclusive checks", "", "| check | verdict | what was measured |", "|---|---|---|"]
    lines += [f"| `{r.check_id}` | {_ICON[r.verdict]} | {_cell(r.summary)} |" for r in bad]
    lines += ["", "Each check id is explained in docs/checks.md (what it checks, why, how it fails).", ""]
    return lines


def _criteria(results: list[CheckResult]) -> list[str]:
    lines = ["## The plan's success criteria", "", "| criterion | status | proven by |", "|---|---|---|"]
    for status in criteria_status(results):
        shown = _ICON[status.verdict] if status.verdict is not None else "➖ not checked in this run"
        ids = sorted({r.check_id for r in status.checks})
        proof = f"{len(ids)} check(s): " + ", ".join(f"`{i}`" for i in ids[:6]) + (" …" if len(ids) > 6 else "")
        lines.append(
            f"| {_cell(status.criterion.seed)} | {shown} | {proof if ids else _cell(status.criterion.proof)} |"
        )
    return [*lines, ""]


def _checks(results: list[CheckResult]) -> list[str]:
    lines = ["## Every check", ""]
    if not results:
        return [*lines, "No checks ran.", ""]
    lines += ["| check | verdict | summary | figures |", "|---|---|---|---|"]
    for r in sorted(results, key=lambda r: (_ORDER[r.verdict], r.check_id)):
        lines.append(f"| `{r.check_id}` | {_ICON[r.verdict]} | {_cell(r.summary)} | {_cell(figures(r.evidence))} |")
    return [*lines, ""]


def _findings(results: list[CheckResult]) -> list[str]:
    located = [(r, loc) for r in results for loc in r.locations]
    if not located:
        return []
    lines = [
        "## Findings (where a secret was seen; values are never shown)",
        "",
        "| check | where | rule | length | masked preview |",
        "|---|---|---|---|---|",
    ]
    for r, loc in located[:200]:
        lines.append(
            f"| `{r.check_id}` | {_cell(loc.where)} | {_cell(loc.rule)} | {loc.length} | {_cell(loc.preview)} |"
        )
    if len(located) > 200:
        lines.append(f"| … | {len(located) - 200} more in findings.json | | | |")
    return [*lines, ""]


def render_summary(info: RunInfo, results: list[CheckResult]) -> str:
    facts = [f"profile `{info.profile}`", f"target `{info.target}`"]
    if info.environment:
        facts.append(f"environment `{info.environment}`")
    if info.release:
        facts.append(f"release `{info.release}`")
    lines = [
        f"# sentry-gate report: {info.profile} on {info.target}",
        "",
        *_headline(info, results),
        *_problems(results),
        f"- {', '.join(facts)}",
        f"- run `{info.run_id}`, started {info.started_at}, took {info.duration_s:.1f} s",
        f"- fake Sentry ingest: {info.ingest_url}",
        "- files: findings.json (machine-readable, masked), junit.xml, allure-results/, pytest.log, ingest/",
        "",
    ]
    if info.suites_missing:
        lines += [
            "## Suites not available yet",
            "",
            "This profile asks for suites that do not exist in this build, so they were not run:",
            "",
            *[f"- `harness/suites/{name}/`" for name in info.suites_missing],
            "",
        ]
    lines += _criteria(results)
    lines += _checks(results)
    lines += _findings(results)
    lines += _skipped(info.skipped)
    if info.notes:
        lines += ["## Notes", "", *[f"- {_cell(n)}" for n in info.notes], ""]
    return "\n".join(lines)


def _skipped(skips: list[SkippedTest]) -> list[str]:
    if not skips:
        return []
    lines = [f"## Skipped tests ({len(skips)})", "", "Each did not run, for the reason pytest gave:", ""]
    for reason, tests in group_by_reason(skips):
        lines += [f"<details><summary>{len(tests)} test(s): {_cell(reason)}</summary>", ""]
        lines += [f"- `{_cell(test)}`" for test in tests]
        lines += ["", "</details>", ""]
    return lines


def findings_json(info: RunInfo, results: list[CheckResult]) -> dict[str, Any]:
    verdict = "setup-error" if info.setup_error else overall_verdict(results).value
    dumped = []
    for r in results:
        data = r.as_dict()
        data["evidence"] = mask_evidence(data["evidence"])
        dumped.append(data)
    return {"run": asdict(info), "verdict": verdict, "results": dumped}


def write_report(reports_dir: Path, info: RunInfo, results: list[CheckResult]) -> Path:
    out = reports_dir / info.run_id
    out.mkdir(parents=True, exist_ok=True)
    summary = render_summary(info, results)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    (out / "findings.json").write_text(
        json.dumps(findings_json(info, results), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as fh:
            fh.write(summary + "\n")
    return out / "summary.md"
