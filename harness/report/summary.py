"""Render a run's results as Markdown a person reads, and JSON a machine reads.

Results carry no secret values (see `harness.results`); this module only formats them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from harness.results import CheckResult, Verdict, overall_verdict

_ICON = {
    Verdict.PASS: "✅ pass",
    Verdict.FAIL: "❌ fail",
    Verdict.INCONCLUSIVE: "⚠️ inconclusive",
    Verdict.SKIPPED: "⏭ skipped",
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


def render_summary(info: RunInfo, results: list[CheckResult]) -> str:
    verdict = overall_verdict(results)
    lines = [
        f"# sentry-gate report: {info.profile} on {info.target}",
        "",
        f"- run: `{info.run_id}`, started {info.started_at}, took {info.duration_s:.1f} s",
        f"- fake Sentry ingest: {info.ingest_url}",
        f"- overall verdict: **{_ICON[verdict] if results else 'no checks ran'}**",
        "",
    ]
    if info.suites_missing:
        lines += [
            "## Suites not available yet",
            "",
            "This profile asks for suites that do not exist in this build, so they were not run:",
            "",
            *[f"- `suites/{name}/`" for name in info.suites_missing],
            "",
        ]
    lines += ["## Checks", ""]
    if results:
        lines += ["| check | verdict | summary |", "|---|---|---|"]
        lines += [f"| `{r.check_id}` | {_ICON[r.verdict]} | {r.summary} |" for r in results]
    else:
        lines.append("No checks ran.")
    lines.append("")
    if info.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in info.notes], ""]
    return "\n".join(lines)


def write_report(reports_dir: Path, info: RunInfo, results: list[CheckResult]) -> Path:
    out = reports_dir / info.run_id
    out.mkdir(parents=True, exist_ok=True)
    summary = render_summary(info, results)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    (out / "findings.json").write_text(
        json.dumps({"run": info.__dict__, "results": [r.as_dict() for r in results]}, indent=2),
        encoding="utf-8",
    )
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as fh:
            fh.write(summary + "\n")
    return out / "summary.md"
