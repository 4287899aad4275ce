"""docs/checks.md documents exactly the check ids the code can emit.

Ids are found by reading the code, not by importing it: every string literal in ``harness/`` (its
suites in ``harness/suites/`` included) shaped like a check id of a suite area (``production.…``, ``privacy.…``,
``release.…``, ``chaos.…``, ``performance.…``), and any literal handed to ``CheckResult(...)`` as its id (which is how
the gate's own ``gate.…`` ids are found). ``harness/report/`` is skipped: its criteria name id *patterns*.
A failure lists the ids to add or remove, so a new check's row is one copy away.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "checks.md"
AREAS = ("production", "privacy", "release", "chaos", "performance")
_AREA_ID = re.compile(rf"^({'|'.join(AREAS)})(\.[a-z0-9][a-z0-9_-]*)+$")
_ANY_ID = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
_ROW_ID = re.compile(r"^\|\s*`([a-z0-9_.-]+)`\s*\|", re.MULTILINE)


def _result_id_literals(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "CheckResult":
            args = [node.args[0]] if node.args else []
            args += [k.value for k in node.keywords if k.arg == "check_id"]
            found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return {i for i in found if _ANY_ID.match(i)}


def code_check_ids() -> dict[str, set[str]]:
    """Every check id in the code, with the files that name it."""
    ids: dict[str, set[str]] = {}
    for path in sorted((ROOT / "harness").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # The report names ids only as examples and patterns: there, only the results it builds count.
        in_report = path.is_relative_to(ROOT / "harness" / "report")
        literals = {
            n.value
            for n in ast.walk(tree)
            if not in_report and isinstance(n, ast.Constant) and isinstance(n.value, str) and _AREA_ID.match(n.value)
        }
        for check_id in literals | _result_id_literals(tree):
            ids.setdefault(check_id, set()).add(str(path.relative_to(ROOT)))
    return ids


def documented_ids() -> list[str]:
    return _ROW_ID.findall(REFERENCE.read_text(encoding="utf-8"))


def test_every_check_id_in_the_code_is_documented() -> None:
    code = code_check_ids()
    missing = sorted(set(code) - set(documented_ids()))
    rows = "\n".join(f"| `{i}` | … | … | … |   <- named in {', '.join(sorted(code[i]))}" for i in missing)
    assert not missing, f"{len(missing)} check id(s) missing from docs/checks.md; add a row for each:\n{rows}"


def test_every_documented_id_exists_in_the_code() -> None:
    stale = sorted(set(documented_ids()) - set(code_check_ids()))
    assert not stale, f"docs/checks.md documents id(s) no code emits (renamed or removed?): {stale}"


def test_each_id_is_documented_once() -> None:
    ids = documented_ids()
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert len(ids) >= 80  # the reference is the whole catalogue, not a sample
