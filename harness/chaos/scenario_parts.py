"""What the chaos scenarios share: marked load through the target's fault route, and the experiment's
journal folded into each result.

Every scenario (`harness.chaos.experiments`, `harness.chaos.ingest_answers`) drives error events whose
``gate.marker`` tag lets it find them again at the ingest, and hands back `CheckResult`s whose evidence
carries the whole Chaos Toolkit journal (steady state before, under the fault and after roll back).
"""

from __future__ import annotations

from harness.chaos.load import LoadSample, drive
from harness.chaos.rig import ChaosRig
from harness.chaos.scenario import Journal
from harness.results import CheckResult

__all__ = ["marked_errors", "with_journal"]


def marked_errors(rig: ChaosRig, marker: str, *, requests: int, concurrency: int, timeout: float = 30.0) -> LoadSample:
    """``requests`` error events through the target's fault route, each marked ``<marker>-<i>`` so it can be
    matched at the ingest; every scenario's load is this."""
    return drive(
        rig.target.url,
        "/__gate/fault",
        method="POST",
        headers=rig.target.gate_headers(),
        body=lambda i: {"kind": "log-error", "marker": f"{marker}-{i}"},
        requests=requests,
        concurrency=concurrency,
        timeout=timeout,
    )


def with_journal(result: CheckResult, journal: Journal) -> CheckResult:
    """``result`` with the experiment's journal (every phase and measured figure) first in its evidence."""
    evidence = {"experiment": journal.as_dict(), "journal": journal.summary(), **result.evidence}
    return CheckResult(result.check_id, result.verdict, result.summary, evidence)
