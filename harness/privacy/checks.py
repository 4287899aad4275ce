"""Privacy checks as `CheckResult`s: canary findings against positive controls, never a secret's value.

A check FAILS when any canary of its group was found in what the SDKs sent (its measured value is the
count of findings and of leaked canaries, with masked locations); it is INCONCLUSIVE when nothing was
found but the control says nothing could have been (the target never saw the canary, or no comparable
item was captured); it PASSES only with zero findings and a passing control.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.privacy.plant import Control, Planted
from harness.privacy.store_scan import Finding
from harness.results import CheckResult, MaskedLocation, Verdict

MAX_LOCATIONS = 50


def _parts(findings: Sequence[Finding], planted: Sequence[Planted]) -> list[str]:
    part_of = {p.canary.label: p.part for p in planted}
    return sorted({part_of.get(f.canary.label, f.canary.kind) for f in findings})


def canary_check(
    check_id: str,
    what: str,
    planted: Sequence[Planted],
    findings: Sequence[Finding],
    control: Control | None,
) -> CheckResult:
    """``findings`` are the scan's findings of ``planted`` canaries (already filtered to them)."""
    labels = {p.canary.label for p in planted}
    mine = [f for f in findings if f.canary.label in labels]
    leaked = _parts(mine, planted)
    evidence = {
        "planted": len(planted),
        "findings": len(mine),
        "leaked parts": leaked,
        "control": control.as_dict() if control else None,
    }
    locations = tuple(f.location() for f in mine[:MAX_LOCATIONS])
    if mine:
        first = mine[0]
        return CheckResult(
            check_id,
            Verdict.FAIL,
            f"{len(mine)} finding(s): {len(leaked)}/{len(planted)} canaries planted in {what} reached the ingest"
            f" ({', '.join(leaked)}); first at {first.where} [{first.encoding}]",
            evidence,
            locations,
        )
    if control is None or not control.ok:
        why = (
            "no control"
            if control is None
            else (
                f"target saw {control.reached}/{control.planted}; captured: {control.captured or 'nothing comparable'}"
            )
        )
        return CheckResult(
            check_id, Verdict.INCONCLUSIVE, f"0 findings of {len(planted)} canaries in {what}, but {why}", evidence
        )
    return CheckResult(
        check_id,
        Verdict.PASS,
        f"0 findings of {len(planted)} canaries planted in {what}; the target saw all of them and"
        f" {', '.join(control.captured)} was captured",
        evidence,
    )


def locations_result(
    check_id: str, what: str, locations: Sequence[MaskedLocation], checked: int, *, control: str | None = None
) -> CheckResult:
    """A generic result over masked locations: FAIL with any, INCONCLUSIVE when ``control`` names a gap."""
    evidence = {"checked": checked, "findings": len(locations)}
    if locations:
        return CheckResult(
            check_id,
            Verdict.FAIL,
            f"{len(locations)} finding(s) in {what}; first at {locations[0].where} ({locations[0].rule})",
            evidence,
            tuple(locations[:MAX_LOCATIONS]),
        )
    if control:
        return CheckResult(check_id, Verdict.INCONCLUSIVE, f"0 findings in {what}, but {control}", evidence)
    return CheckResult(check_id, Verdict.PASS, f"0 findings in {what} ({checked} checked)", evidence)
