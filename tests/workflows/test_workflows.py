"""The CI workflows a user copies must lint clean (actionlint) and pass zizmor's security audit offline."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    located = shutil.which(name)
    if located is None:
        pytest.fail(f"{name} is not installed (it is a dev dependency: make install-python)")
    return located


def test_the_product_workflows_exist() -> None:
    assert {"gate.yml", "nightly.yml", "deploy.yml"} <= {p.name for p in WORKFLOWS}


def test_actionlint_is_clean() -> None:
    result = subprocess.run(
        [_tool("actionlint"), *map(str, WORKFLOWS)], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline_is_clean() -> None:
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(ROOT / ".github" / "workflows")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_full_sha_and_checkout_drops_credentials(workflow: Path) -> None:
    text = workflow.read_text()
    uses = re.findall(r"uses:\s*(\S+)", text)
    assert uses
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
    assert text.count("actions/checkout@") == text.count("persist-credentials: false")
    assert "permissions: {}" in text  # nothing by default; jobs ask for what they need
