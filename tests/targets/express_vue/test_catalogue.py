"""targets/MUTANTS.md against the code: every mutant the catalogue lists is the one the server and the client
know by that name, in the area and at the time (run, build, pipeline) it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ..support import catalogue
from .express import CLIENT, SERVER

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]

NAMESPACES = ("production", "privacy", "release", "chaos", "performance")


def js_array(path: Path, name: str) -> list[str]:
    match = re.search(rf"{name}\s*=\s*Object\.freeze\(\[(.*?)\]\)", path.read_text(), re.S)
    assert match, f"{name} not found in {path}"
    return re.findall(r"'([a-z0-9-]+)'", match.group(1))


def test_mutant_catalogue_is_complete_and_matches_the_code() -> None:
    rows = catalogue()
    names = [r["name"] for r in rows]
    assert len(rows) >= 25
    assert len(set(names)) == len(names), "duplicate mutant names"
    for row in rows:
        assert row["area"] in NAMESPACES, row
        assert row["check"].split(".")[0] in NAMESPACES, row
        assert row["check"].split(".")[0] == row["area"] or row["name"] == "no-release", row
        assert row["when"] in ("run", "build", "pipeline"), row
        assert {row["express"], row["python"], row["client"]} <= {"yes", "-"}, row
        assert row["breaks"], row
    for area in NAMESPACES:
        assert any(r["area"] == area for r in rows), f"no mutant in {area}"
    server_js = SERVER / "src" / "config" / "mutants.mjs"
    assert sorted(js_array(server_js, "MUTANTS")) == sorted(names)
    assert sorted(js_array(server_js, "BUILD_MUTANTS")) == sorted(r["name"] for r in rows if r["when"] == "build")
    client_js = CLIENT / "src" / "config" / "mutants.js"
    assert sorted(js_array(client_js, "CLIENT_MUTANTS")) == sorted(r["name"] for r in rows if r["client"] == "yes")
