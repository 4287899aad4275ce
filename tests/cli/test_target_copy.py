"""Both bundled apps run only through their target files: a copy of each file outside the repository
(its folders made absolute) collects exactly the checks ``bundled:NAME`` collects in the pre-release
profile, and ``validate`` lists every one of them with run or skip and a reason.

Collection only (``sentry-gate validate``): nothing starts, so the comparison costs seconds. The full
runs of both, compared check id by check id, are measured in the issue's closing note.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.targets.launcher import BUNDLED_TARGETS
from tests.support.target_copy import copy_outside


def validate(*args: str, cwd: Path) -> tuple[int, list[str]]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "validate",
            *(args if "--profile" in args else ("--profile", "pre-release", *args)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=cwd,
    )
    rows = [line.strip() for line in done.stdout.splitlines() if line.startswith(("  run ", "  skip "))]
    return done.returncode, rows


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUNDLED_TARGETS))
def test_a_copy_outside_the_repository_collects_the_same_checks(name: str, tmp_path: Path) -> None:
    copy = copy_outside(BUNDLED_TARGETS[name], tmp_path / "elsewhere")
    code, bundled = validate("--target", f"bundled:{name}", cwd=tmp_path)
    assert code == 0, bundled
    copied_code, copied = validate(cwd=copy.parent)  # ./sentry-gate.toml is the default target
    assert copied_code == 0, copied
    assert len(bundled) > 50
    assert copied == bundled
    skipped = [r for r in bundled if not r.startswith("run ")]
    expected_skips = ("runs only on a deployment the gate cannot restart", "runs test_production.py's deeper checks")
    assert all(any(why in r for why in expected_skips) for r in skipped), skipped  # URL-only and described-only


@pytest.mark.slow
def test_validate_on_a_url_only_file_lists_every_check_as_skipped_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "sentry-gate.toml").write_text(
        'name = "shop"\n[app]\nurl = "http://127.0.0.1:3999"\n[environments.prod]\ntraces_sample_rate = 0.2\n'
    )
    code, rows = validate("--profile", "privacy-audit", cwd=tmp_path)
    assert code == 3  # a run could not pass: nothing it could judge
    assert rows
    assert all(row.startswith("skip ") for row in rows), rows
    assert all("restarts the target with other settings" in row for row in rows), rows
