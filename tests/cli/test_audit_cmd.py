"""``sentry-gate audit``: what the user hands it is checked, and a bad file is exit 2 with a sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main


@pytest.mark.parametrize(
    ("export", "canaries", "message"),
    [
        ("missing.tar", None, "missing.tar: no such file"),
        ("notatar", None, "not an envelopes export"),
        ("notatar", "{bad json", "line 2: expected"),
        ("notatar", '{"kind": "email", "value": "x", "label": "l", "extra": 1}', "line 2: expected"),
    ],
)
def test_bad_input_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], export: str, canaries: str | None, message: str
) -> None:
    (tmp_path / "notatar").write_text("{}")
    args = ["audit", str(tmp_path / export)]
    if canaries is not None:
        (tmp_path / "canaries.jsonl").write_text("\n" + canaries + "\n")
        args += ["--canaries", str(tmp_path / "canaries.jsonl")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
