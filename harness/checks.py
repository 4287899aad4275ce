"""Recording check results from pytest suites, so the gate's report is built from them.

A suite test computes a `CheckResult` and hands it to the ``gate_check`` fixture: the result is
appended (one JSON line) to the file given by ``--gate-results`` and the test's outcome follows the
verdict: FAIL fails the test with the check id and its measured value, INCONCLUSIVE and SKIPPED
skip it with the reason, PASS passes. Appending under a file lock keeps lines whole when
pytest-xdist workers record at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from filelock import FileLock

from harness.results import CheckResult, MaskedLocation, Verdict


@dataclass
class CheckRecorder:
    path: Path | None = None
    results: list[CheckResult] = field(default_factory=list)

    def __call__(self, result: CheckResult) -> CheckResult:
        self.results.append(result)
        if self.path is not None:
            with FileLock(str(self.path) + ".lock"), self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(result.as_dict()) + "\n")
        if result.verdict is Verdict.FAIL:
            pytest.fail(f"{result.check_id}: {result.summary}", pytrace=False)
        if result.verdict in (Verdict.INCONCLUSIVE, Verdict.SKIPPED):
            pytest.skip(f"{result.verdict.value.upper()} {result.check_id}: {result.summary}")
        return result


def read_results(path: Path) -> list[CheckResult]:
    """The results a suite run recorded (an absent file means none)."""
    if not path.exists():
        return []
    results = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        results.append(
            CheckResult(
                check_id=data["check_id"],
                verdict=Verdict(data["verdict"]),
                summary=data["summary"],
                evidence=data.get("evidence", {}),
                locations=tuple(MaskedLocation(**loc) for loc in data.get("locations", [])),
            )
        )
    return results
