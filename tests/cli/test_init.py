"""`sentry-gate init`: writes a starter target file that loads as written, never overwrites one without
--force, and says what to do next."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.targetfile import DEFAULT_NAME, load_target_file, parse_target_file
from harness.targetfile.model import TargetFile
from harness.targetfile.starter import STARTER

REPO = Path(__file__).resolve().parents[2]


def test_init_writes_a_starter_that_loads_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    written = tmp_path / DEFAULT_NAME
    assert written.read_text(encoding="utf-8") == STARTER
    described = load_target_file(written)
    assert described.model.started  # the gate starts the app; the URL alternative is commented out
    assert set(described.model.environments) == {"production", "staging"}
    out = capsys.readouterr().out
    assert f"wrote {DEFAULT_NAME}" in out
    assert "sentry-gate validate --profile pre-release" in out  # ./sentry-gate.toml: no --target needed
    assert "sentry-gate run --profile pre-release" in out


def test_init_into_a_folder_or_a_named_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path)]) == 0
    assert load_target_file(tmp_path).name == "my-app"
    named = tmp_path / "gate.toml"
    assert main(["init", str(named)]) == 0
    assert load_target_file(named).name == "my-app"
    assert f"sentry-gate run --target {named} --profile pre-release" in capsys.readouterr().out


def test_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / DEFAULT_NAME
    existing.write_text("# mine\n", encoding="utf-8")
    assert main(["init", str(existing)]) == 2
    err = capsys.readouterr().err
    assert f"{existing} exists" in err
    assert "--force" in err
    assert existing.read_text(encoding="utf-8") == "# mine\n"  # untouched

    assert main(["init", str(existing), "--force"]) == 0
    assert existing.read_text(encoding="utf-8") == STARTER


def test_init_into_a_missing_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "nowhere" / DEFAULT_NAME)]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_starter_names_every_table_of_the_file() -> None:
    """Every top-level table is in the starter, active or commented out with what it is for."""
    for name, info in TargetFile.model_fields.items():
        if name in {"version", "name"}:
            assert re.search(rf"^{name} = ", STARTER, re.MULTILINE), name
        else:
            assert re.search(rf"^(# )?\[{info.alias or name}[.\]]", STARTER, re.MULTILINE), name


def _uncommented(text: str, *, keep_commented: tuple[str, ...]) -> str:
    """The starter with its commented-out tables and keys switched on (except the given alternatives)."""
    kept = tuple(f"# {key} = " for key in keep_commented)
    lines = []
    for line in text.splitlines():
        match = re.match(r"^# (\[.*|[a-z_]+ = .*)$", line)
        lines.append(match.group(1) if match is not None and not line.startswith(kept) else line)
    return "\n".join(lines) + "\n"


def test_the_starters_commented_examples_are_valid_too(tmp_path: Path) -> None:
    """Switching on every commented example (but one of each pair of alternatives) still loads."""
    everything = _uncommented(STARTER, keep_commented=("url", "function", "requires"))
    model = parse_target_file(everything, tmp_path / DEFAULT_NAME).model
    assert model.app.build is not None
    assert model.journey is not None
    assert model.journey.steps
    assert model.gate_routes is not None
    assert set(model.services) == {"fake-api"}
    url_mode = everything.replace('start = ["npm", "start"]', "# start").replace('# url = "', 'url = "')
    assert parse_target_file(url_mode, tmp_path / DEFAULT_NAME).model.app.url == "http://127.0.0.1:3000"


def test_init_help_answers_as_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "init", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--force" in done.stdout
    assert DEFAULT_NAME in done.stdout
