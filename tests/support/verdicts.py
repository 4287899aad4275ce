"""How a self-test proves a check able to fail: a FAIL whose message, as the suite shows it, names the check
id and the measured value (non-negotiable 2)."""

from __future__ import annotations

import re

import pytest

from harness.recorder import CheckRecorder
from harness.results import CheckResult, Verdict


def fails_naming(result: CheckResult, check_id: str, measured: str) -> None:
    """``result`` is a FAIL, and the recorder's failure message starts with ``check_id`` and matches the
    regular expression ``measured``."""
    assert result.verdict is Verdict.FAIL, result.summary
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(result)
    message = str(failed.value)
    assert message.startswith(f"{check_id}: "), message
    assert re.search(measured, message), message
