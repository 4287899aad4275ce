"""Every production check is shown able to fail, and docs/checks.md says how: the reference and the
variants stay in step.

Each production row's last column names its proofs, each in backticks:

- a bundled mutant (a ``name`` of targets/MUTANTS.md),
- a foreign-shop variant (a ``name`` of targets/foreign_shop/VARIANTS.md),
- a test (``tests/…py::test_name``), for a check shown failing on a real page kept as it is (no mutant
  breaks it) or, where its row says so, on synthetic data only.

A mutant or variant counts only if a test under ``tests/`` names both it (as a string literal) and the
check id, which is how the self-tests that run it against the check are found; a named test must exist and
name the check id. A row with no proof fails here, listing what is missing, so a new check cannot land
without a way to be seen failing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "checks.md"
MUTANTS = ROOT / "targets" / "MUTANTS.md"
VARIANTS = ROOT / "targets" / "foreign_shop" / "VARIANTS.md"
_ROW = re.compile(r"^\|\s*`(production\.[a-z0-9_.-]+)`\s*\|(.*)\|\s*$", re.MULTILINE)
_TICKED = re.compile(r"`([^`]+)`")
_TEST_REF = re.compile(r"^(tests/[\w/]+\.py)::(\w+)$")
_NAME = re.compile(r"[a-z][a-z0-9_-]*")


def _table_names(path: Path) -> set[str]:
    """The first column's backticked-or-plain names of a markdown table whose header starts ``| name``."""
    names = set()
    in_table = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("| name"):
            in_table = True
            continue
        if in_table and line.startswith("|") and not line.startswith("|---"):
            names.add(line.split("|")[1].strip().strip("`"))
        elif in_table and not line.startswith("|"):
            in_table = False
    return names


@cache
def _test_sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py") if p != Path(__file__)}


def _proved_by_a_test(name: str, check_id: str) -> bool:
    quoted = (f'"{name}"', f"'{name}'")
    return any(check_id in text and any(q in text for q in quoted) for text in _test_sources().values())


def proof_problems() -> dict[str, list[str]]:
    """Each production id whose row lacks a sound proof, with why."""
    mutants, variants = _table_names(MUTANTS), _table_names(VARIANTS)
    problems: dict[str, list[str]] = {}
    for check_id, cells in _ROW.findall(REFERENCE.read_text(encoding="utf-8")):
        proofs = _TICKED.findall(cells.rsplit("|", 1)[-1])
        found: list[str] = []
        wrong: list[str] = []
        for proof in proofs:
            test_ref = _TEST_REF.match(proof)
            if test_ref:
                path = ROOT / test_ref.group(1)
                text = path.read_text(encoding="utf-8") if path.exists() else ""
                if f"def {test_ref.group(2)}(" in text and check_id in text:
                    found.append(proof)
                else:
                    wrong.append(f"{proof}: no such test naming {check_id}")
            elif proof in mutants or proof in variants:
                if _proved_by_a_test(proof, check_id):
                    found.append(proof)
                else:
                    wrong.append(f"{proof}: no test under tests/ names both it and {check_id}")
            elif not _NAME.fullmatch(proof):
                continue  # a file, an option or an id mentioned in passing
            else:
                wrong.append(f"{proof}: not a mutant of targets/MUTANTS.md nor a variant of the foreign shop")
        if wrong or not found:
            problems[check_id] = wrong or ["no mutant, variant or test shows it failing"]
    return problems


def test_every_production_check_names_a_way_to_see_it_fail() -> None:
    problems = proof_problems()
    listing = "\n".join(f"{i}: {'; '.join(p)}" for i, p in sorted(problems.items()))
    assert not problems, f"{len(problems)} production check(s) without a proof in docs/checks.md:\n{listing}"


def test_every_production_mutant_is_named_by_the_check_it_breaks() -> None:
    """The other direction: a production mutant listed in targets/MUTANTS.md appears in its check's row."""
    rows = dict(_ROW.findall(REFERENCE.read_text(encoding="utf-8")))
    missing = []
    for line in MUTANTS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 8 and cells[2] == "production":
            name, check_id = cells[1], cells[7]
            if check_id in rows and f"`{name}`" not in rows[check_id]:
                missing.append(f"{name} -> {check_id}")
    assert not missing, f"add each mutant to its check's row in docs/checks.md: {missing}"
