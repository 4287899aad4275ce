"""The pure checks behind the plan's newly checked promises, on hand-made events and answers: where a
message's stack trace is found, the attachStacktrace verdicts, sentry-health's last event, and the
profiles rate's decision (the live probes are in test_plan_promises.py)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.production import checks
from harness.results import Verdict

ID = "production.config.browser-attach-stacktrace"
FRAMES = {"frames": [{"filename": "http://127.0.0.1/assets/index.js", "function": "f"}]}


@pytest.mark.parametrize(
    ("event", "frames"),
    [
        ({"message": "m", "exception": {"values": [{"value": "m", "stacktrace": FRAMES}]}}, 1),  # @sentry/browser
        ({"message": "m", "threads": {"values": [{"stacktrace": FRAMES}]}}, 1),  # sentry-python
        ({"message": "m", "stacktrace": FRAMES}, 1),
        ({"message": "m"}, 0),
        ({"message": "m", "exception": {"values": [{"value": "m"}]}}, 0),
        (None, 0),
    ],
)
def test_stack_frames_wherever_an_sdk_puts_them(event: dict[str, Any] | None, frames: int) -> None:
    assert checks.stack_frames(event) == frames


def test_attach_stacktrace_verdicts() -> None:
    with_stack = {"message": "m", "exception": {"values": [{"stacktrace": FRAMES}]}}
    assert checks.attach_stacktrace(ID, with_stack, True).verdict is Verdict.PASS
    assert checks.attach_stacktrace(ID, {"message": "m"}, False).verdict is Verdict.PASS
    off = checks.attach_stacktrace(ID, {"message": "m"}, True)
    assert off.verdict is Verdict.FAIL
    assert off.summary == "a captured message carries 0 stack frames; attachStacktrace is promised true"
    unwanted = checks.attach_stacktrace(ID, with_stack, False)
    assert unwanted.verdict is Verdict.FAIL
    assert "carries 1 stack frames; attachStacktrace is promised false" in unwanted.summary
    assert checks.attach_stacktrace(ID, None, True).verdict is Verdict.INCONCLUSIVE


def _sentry_health(body: Any, last_event_id: str | None, status: int = 200) -> Any:
    return checks.monitoring_shape(
        "production.monitoring.sentry-health",
        "/monitoring/sentry-health",
        status,
        body,
        release="r1",
        environment="production",
        enabled=True,
        last_event_id=last_event_id,
    )


def test_sentry_health_must_name_the_last_sent_event() -> None:
    sent = "0123456789abcdef0123456789abcdef"
    body = {
        "status": "operational",
        "lastEvent": sent,
        "configuration": {"dsn": True, "environment": "production", "release": "r1"},
    }
    good = _sentry_health(body, sent)
    assert good.verdict is Verdict.PASS
    assert good.summary.endswith(f"naming the last sent error {sent}")
    stale = _sentry_health({**body, "lastEvent": 1765150000000}, sent)
    assert stale.verdict is Verdict.FAIL
    assert f"$.lastEvent is 1765150000000, expected '{sent}'" in stale.summary
    assert _sentry_health({**body, "lastEvent": None}, sent).verdict is Verdict.FAIL
    # Without an error sent before (the SDK off, or it did not arrive) only the shape is judged.
    assert _sentry_health({**body, "lastEvent": 1765150000000}, None).verdict is Verdict.PASS


def test_profiles_rate_decides_like_the_traces_rate() -> None:
    def rate(profiled: int, traced: int) -> Verdict:
        return checks.profiles_rate(
            "production.sampling.server-profiles-rate",
            profiled=profiled,
            traced=traced,
            expected=0.1,
            tolerance=0.05,
            level=0.99,
            environment="production",
        ).verdict

    assert rate(100, 1000) is Verdict.PASS
    assert rate(1000, 1000) is Verdict.FAIL  # every trace profiled at a promised 0.1
    assert rate(0, 1000) is Verdict.FAIL
    assert rate(1, 10) is Verdict.INCONCLUSIVE  # too few traces to decide within ±0.05
    result = checks.profiles_rate(
        "production.sampling.server-profiles-rate",
        profiled=1200,
        traced=1000,
        expected=0.1,
        tolerance=0.05,
        level=0.99,
        environment="staging",
    )
    assert result.evidence["k"] == 1000  # never more profiled than traced
    assert "server profiles sample rate in staging" in result.summary
