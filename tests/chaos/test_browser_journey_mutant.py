"""``chaos.browser.journey`` against its page mutant (``sdk-debug-on``) and the hardened page.

The page's DSN goes through the rig's Sentry proxy, the proxy is disabled (every send refused) and
the journey runs once: the hardened page must PASS; the mutant, whose SDK logs its failed sends as
console errors, must FAIL naming the check id and the console error it measured. The suite runs the
full before/during/after experiment; this is its "during" leg, which is where the check decides.

Nothing here is timed: the verdicts are about what the page logged and whether each step worked, each
step with a 10 s deadline for what takes well under a second, and the SDK's sends to a disabled proxy
are refused at once. A correct build fails only if a step stalls for 10 s.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.chaos import ChaosRunner
from harness.chaos.browser_journey import JOURNEY, judge_journey, run_journey
from harness.chaos.rig import running_rig
from harness.common.browser import chromium_for_tests
from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient
from harness.recorder import CheckRecorder
from harness.results import Verdict
from harness.targets import TargetUnavailable, unavailable_reason

pytestmark = pytest.mark.xdist_group("chaos-browser-journey")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_for_tests()


@pytest.mark.parametrize("mutant", [None, "sdk-debug-on"])
def test_journey_check_catches_sdk_errors_on_the_page(
    mutant: str | None, browser: Any, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path: Path
) -> None:
    if (why := unavailable_reason("express-vue")) is not None:
        unavailable(why)
    try:
        with running_rig(
            "express-vue", sentry_ingest, chaos_runner, tmp_path, mutant=mutant, browser_through_proxy=True
        ) as rig:
            rig.sentry_proxy.disable()
            try:
                record = run_journey(
                    browser, rig.target.url, [str(rig.sentry_proxy.listen)], f"journey-{secrets.token_hex(4)}"
                )
            finally:
                rig.sentry_proxy.enable()
    except TargetUnavailable as exc:
        unavailable(str(exc))
    result = judge_journey("sentry proxy down", record)
    print(f"{result.check_id} {result.verdict}: {result.summary}")
    assert result.check_id == JOURNEY
    assert record.failed_sends >= 1, f"positive control: the page's SDK never tried to send: {result.summary}"
    if mutant is None:
        assert result.verdict is Verdict.PASS, result.summary
        return
    assert result.verdict is Verdict.FAIL, result.summary
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(result)
    message = str(failed.value)
    assert message.startswith(f"{JOURNEY}: "), message
    assert "console error" in message, message
