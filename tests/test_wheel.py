"""The wheel carries what an installed gate reads from disk: the suites (every file of them), Locust's file.

Issue 15: ``pip install`` into a fresh environment, then ``sentry-gate run`` in the user's repository, must
work without a source checkout. The wheel is built from a copy of the tree (so the build writes nothing into
the work tree) with this venv's setuptools, no build isolation and no index: nothing is downloaded. The copy
gets decoys of what must never ship: an npm install under the replay player, and a ``targets/`` folder with
Python in it (the bundled reference apps are found through target files, not the package).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from harness.cli.run_cmd import SUITES_DIR
from harness.load.locust_proc import LOCUSTFILE

ROOT = Path(__file__).resolve().parents[1]


def _build_wheel(tmp_path: Path) -> Path:
    src, out = tmp_path / "src", tmp_path / "dist"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "harness", src / "harness", ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    npm = src / "harness" / "replay" / "player" / "node_modules" / "rrweb"
    npm.mkdir(parents=True)
    (npm / "package.json").write_text("{}")
    (npm / "gyp_helper.py").write_text("")  # npm packages do ship Python now and then
    (src / "targets" / "python_api").mkdir(parents=True)
    (src / "targets" / "python_api" / "__init__.py").write_text("")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", str(src), "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    (wheel,) = out.glob("sentry_gate-*.whl")
    return wheel


def _shipped_sources(folder: Path) -> set[str]:
    """Every file of a folder in the work tree (bytecode aside), named as in the wheel."""
    return {
        str(p.relative_to(ROOT))
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_the_wheel_carries_the_suites_the_locustfile_and_the_runtime_assets(tmp_path: Path) -> None:
    with zipfile.ZipFile(_build_wheel(tmp_path)) as zf:
        names = zf.namelist()
        entry_points = next(zf.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    files = set(names)

    # A data file added to a suite fails here until pyproject's package-data ships it.
    suites = _shipped_sources(SUITES_DIR)
    assert {"harness/suites/conftest.py", "harness/suites/production/test_production.py"} <= suites
    assert suites <= files, f"suite files missing from the wheel: {sorted(suites - files)}"
    # The paths the code hands to pytest and to Locust are the ones the wheel installs.
    assert str(LOCUSTFILE.relative_to(ROOT)) == "harness/loadtests/locustfile.py"
    assert str(LOCUSTFILE.relative_to(ROOT)) in files
    assert str(SUITES_DIR.relative_to(ROOT)) == "harness/suites"
    assert {
        "harness/py.typed",
        "harness/replay/player/package.json",
        "harness/replay/player/package-lock.json",
    } <= files

    assert not [n for n in names if "node_modules" in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    top = {n.split("/")[0] for n in names} - {"harness"}  # only the dist-info beside it: no targets/, nothing else
    assert len(top) == 1, top
    assert next(iter(top)).endswith(".dist-info"), top
    assert "sentry-gate = harness.cli:main" in entry_points
    assert "sentry_gate = harness.pytest_plugin" in entry_points
