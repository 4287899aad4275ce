"""The result model every check produces, so suites never invent their own.

A check yields one `CheckResult`: a stable id (``production.sampling.traces``), a verdict, the
evidence behind it, and, for privacy checks, where a secret was seen. A result must never carry a
secret's value: `MaskedLocation` holds only its kind, length and a masked preview, and
`mask_secret` is the one way to make such a preview.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_CHECK_ID = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")


class Verdict(enum.StrEnum):
    """Outcome of a check. INCONCLUSIVE is a first-class answer, not a soft pass."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    SKIPPED = "skipped"

    @property
    def exit_rank(self) -> int:
        """Severity order used to combine verdicts: fail beats inconclusive beats pass/skipped."""
        return {Verdict.FAIL: 3, Verdict.INCONCLUSIVE: 2, Verdict.PASS: 1, Verdict.SKIPPED: 0}[self]


def mask_secret(value: str, *, keep: int = 2) -> str:
    """Return a preview that shows the kind of value without revealing it.

    Keeps at most ``keep`` leading characters (never more than a quarter of the value) and the
    length, e.g. ``"ey…⟨len 143⟩"``; values of 8 characters or fewer show nothing at all.
    """
    n = len(value)
    if n <= 8:
        return f"⟨masked, len {n}⟩"
    shown = min(keep, n // 4)
    return f"{value[:shown]}…⟨len {n}⟩"


@dataclass(frozen=True, slots=True)
class MaskedLocation:
    """Where a secret was seen, and by which rule; the value itself is never stored."""

    where: str
    """Request and item, then a JSON path or rrweb node path, e.g. ``request 12 / event / $.request.headers.Cookie``."""
    rule: str
    """The canary kind or scrubbing rule that matched, e.g. ``canary:bearer`` or ``@password``."""
    length: int
    preview: str
    encoding: str = "plain"

    @classmethod
    def of(cls, where: str, rule: str, value: str, encoding: str = "plain") -> MaskedLocation:
        return cls(where=where, rule=rule, length=len(value), preview=mask_secret(value), encoding=encoding)

    def as_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "rule": self.rule,
            "length": self.length,
            "preview": self.preview,
            "encoding": self.encoding,
        }


Evidence = Mapping[str, Any]
"""Figures behind a verdict: counts, intervals, configured values, paths. JSON-serialisable."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome; rendered by reports, compared by self-tests."""

    check_id: str
    verdict: Verdict
    summary: str
    evidence: Evidence = field(default_factory=dict)
    locations: tuple[MaskedLocation, ...] = ()

    def __post_init__(self) -> None:
        if not _CHECK_ID.match(self.check_id):
            raise ValueError(f"check id {self.check_id!r} is not dotted lower-case, e.g. 'privacy.replay.masking'")

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    def as_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "verdict": self.verdict.value,
            "summary": self.summary,
            "evidence": dict(self.evidence),
            "locations": [loc.as_dict() for loc in self.locations],
        }


def overall_verdict(results: list[CheckResult]) -> Verdict:
    """Combine a run's verdicts: any fail fails; else any inconclusive; else pass (or skipped if nothing ran)."""
    if not results:
        return Verdict.SKIPPED
    return max(results, key=lambda r: r.verdict.exit_rank).verdict
