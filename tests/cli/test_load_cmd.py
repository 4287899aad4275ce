"""``sentry-gate load``: contradictory flags are exit 2 with a sentence, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--baseline", "http://127.0.0.1:1"], "--baseline needs --instrumented"),
        (["--target", "python-api", "--capacity-seconds", "0"], "give --rate"),
    ],
)
def test_contradictory_flags_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["load", *args, "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
