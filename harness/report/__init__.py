"""Reports: results → ``reports/<run id>/summary.md`` and ``findings.json`` (masked by construction).

``summary.md`` is for a person (verdict and failures first, the plan's criteria, every check with its
figures, findings); ``findings.json`` for a machine; the suites' pytest writes ``junit.xml`` and
``allure-results/`` beside them (see docs/reports.md).
"""

from harness.report.criteria import CRITERIA, Criterion, criteria_status
from harness.report.evidence import figures, mask_evidence
from harness.report.summary import RunInfo, render_summary, write_report

__all__ = [
    "CRITERIA",
    "Criterion",
    "RunInfo",
    "criteria_status",
    "figures",
    "mask_evidence",
    "render_summary",
    "write_report",
]
