"""The tests a run skipped and why, read from the suites' ``junit.xml``, so the summary lists every one.

A skip is not a pass: a reader must see which tests did not run and the reason pytest gave (a missing
prerequisite, a bundled-only check on an external target, a check that does not apply), not only the
checks that recorded a result. Pure: text in, records out; a missing or unreadable file is no skips,
because the report must still be written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import groupby

__all__ = ["SkippedTest", "group_by_reason", "skipped_tests"]


@dataclass(frozen=True, slots=True)
class SkippedTest:
    test: str
    """``<classname>::<name>`` as pytest reported it (the module path and the test with its parameters)."""
    reason: str


def skipped_tests(junit_xml: str) -> list[SkippedTest]:
    """Every ``<testcase>`` with a ``<skipped>`` child, with pytest's reason (its ``Skipped: `` prefix off)."""
    try:
        root = ET.fromstring(junit_xml)  # noqa: S314 - pytest's own junit.xml from this run, not foreign input
    except ET.ParseError:
        return []
    found = []
    for case in root.iter("testcase"):
        skipped = case.find("skipped")
        if skipped is None:
            continue
        reason = (skipped.get("message") or skipped.text or "no reason given").strip()
        test = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
        found.append(SkippedTest(test=test, reason=reason.removeprefix("Skipped: ")))
    return found


def group_by_reason(skips: list[SkippedTest]) -> list[tuple[str, list[str]]]:
    """``(reason, tests)`` pairs, the most common reason first, tests in report order within each."""
    ordered = sorted(skips, key=lambda s: s.reason)
    groups = [(reason, [s.test for s in items]) for reason, items in groupby(ordered, key=lambda s: s.reason)]
    return sorted(groups, key=lambda g: -len(g[1]))
