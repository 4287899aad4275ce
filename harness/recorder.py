"""The check recorder: check results from pytest suites, recorded so the gate's report is built from them.

(The checks themselves are pure functions in each domain's ``checks`` module; this module only records.)

A suite test computes a `CheckResult` and hands it to the ``gate_check`` fixture: the result is
appended (one JSON line) to the file given by ``--gate-results`` and the test's outcome follows the
verdict: FAIL fails the test with the check id and its measured value, INCONCLUSIVE and SKIPPED
skip it with the reason, PASS passes. Appending under a file lock keeps lines whole when
pytest-xdist workers record at once.

When allure-pytest is active (``--alluredir``), each result is also attached to the test's Allure
entry: the result as JSON, and every file its evidence lists under ``ARTEFACTS`` (redacted envelopes,
replay PNGs, plots: the check writes them, already redacted, and names them there). Without allure
the attach calls reach no listener and cost nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from filelock import FileLock

from harness.results import CheckResult, MaskedLocation, Verdict

__all__ = ["ARTEFACTS", "CheckRecorder", "attach_result", "read_results"]

ARTEFACTS = "artefacts"
"""Evidence key: a list of file paths (strings) the report attaches, e.g. ``["replay-0.png"]``."""

_ATTACHMENT_TYPES = {
    ".png": "PNG",
    ".jpg": "JPG",
    ".svg": "SVG",
    ".json": "JSON",
    ".html": "HTML",
    ".txt": "TEXT",
    ".csv": "CSV",
    ".log": "TEXT",
}


def artefact_paths(result: CheckResult) -> list[Path]:
    """The artefact files a result names that exist (a missing one is not an error: the check says why)."""
    listed = result.evidence.get(ARTEFACTS, [])
    if isinstance(listed, str):
        listed = [listed]
    return [Path(p) for p in listed if isinstance(p, str) and Path(p).is_file()]


def attach_result(result: CheckResult) -> int:
    """Attach the result and its artefacts to the current Allure test; returns how many files were attached."""
    try:
        import allure
    except ImportError:  # pragma: no cover - allure-pytest is a dev dependency
        return 0
    allure.attach(
        json.dumps(result.as_dict(), indent=2, ensure_ascii=False),
        name=f"{result.check_id} ({result.verdict.value})",
        attachment_type=allure.attachment_type.JSON,
    )
    attached = 0
    for path in artefact_paths(result):
        kind = getattr(allure.attachment_type, _ATTACHMENT_TYPES.get(path.suffix.lower(), "TEXT"))
        allure.attach.file(str(path), name=f"{result.check_id}: {path.name}", attachment_type=kind)  # type: ignore[no-untyped-call]
        attached += 1
    return attached


@dataclass
class CheckRecorder:
    path: Path | None = None
    results: list[CheckResult] = field(default_factory=list)

    def __call__(self, result: CheckResult) -> CheckResult:
        return self.all([result])[0]

    def all(self, results: Sequence[CheckResult]) -> list[CheckResult]:
        """Record every result of one test before acting on the worst, so a FAIL hides no other figure.

        The test fails naming every failed check (each with its measured value), else skips naming
        the inconclusive ones."""
        for result in results:
            self.results.append(result)
            if self.path is not None:
                with FileLock(str(self.path) + ".lock"), self.path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(result.as_dict()) + "\n")
            attach_result(result)
        failed = [r for r in results if r.verdict is Verdict.FAIL]
        if failed:
            pytest.fail("\n".join(f"{r.check_id}: {r.summary}" for r in failed), pytrace=False)
        unresolved = [r for r in results if r.verdict in (Verdict.INCONCLUSIVE, Verdict.SKIPPED)]
        if unresolved:
            pytest.skip("; ".join(f"{r.verdict.value.upper()} {r.check_id}: {r.summary}" for r in unresolved))
        return list(results)


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
