"""Reports: results → ``reports/<run id>/summary.md`` and ``findings.json`` (masked by construction)."""

from harness.report.summary import RunInfo, write_report

__all__ = ["RunInfo", "write_report"]
