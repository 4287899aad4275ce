"""Self-test of the nightly precise replay session rate (`production.sampling.replay-session-rate` in the
sampling suite): short sessions, 10 tabs to a context, against the bundled mutant that samples every
session whole in production and against the hardened page, side by side on the lighter Python server."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.common.browser import require_chromium
from harness.production.replay import SESSION_CHECK, probe_replay_session_rate, session_rate
from harness.recorder import CheckRecorder
from harness.results import CheckResult, Verdict
from harness.stats import familywise_level, power, sample_size
from harness.targets.fixtures import TargetFactory

SESSIONS = 10
LEVEL = familywise_level(0.05, 9)  # the suite's level with both bundled targets' environments in the family


def test_sized_against_the_declared_neighbours() -> None:
    """Staging's 0.2 ± 0.05 need not catch 0.3, which no environment declares: sized against 0.05 and 0.1
    only, it takes fewer sessions, and the stated power at each neighbour is what the check reports."""
    both_sides = sample_size(0.2, 0.05, level=LEVEL, pass_probability=0.9)
    neighbours = sample_size(0.2, 0.05, level=LEVEL, pass_probability=0.9, against=[0.05, 0.1])
    assert neighbours < both_sides
    assert power(neighbours, 0.2, 0.05, 0.1, level=LEVEL) >= 0.95
    with pytest.raises(ValueError, match="can never FAIL"):
        sample_size(0.2, 0.05, level=LEVEL, against=[0.17])
    types = {f"r{i}": "session" for i in range(20)} | {f"b{i}": "buffer" for i in range(380)}
    result = session_rate(
        types, neighbours, expected=0.2, tolerance=0.05, level=LEVEL, environment="staging", neighbours=[0.1]
    )
    assert result.verdict is Verdict.FAIL  # 20 of 1,263 session replays (0.016) where 0.2 is promised
    assert result.evidence["neighbour_power"] == {"0.1": round(power(neighbours, 0.2, 0.05, 0.1, level=LEVEL), 4)}
    assert "a neighbour rate fails with P=0.99" in result.summary


@pytest.mark.browser
@pytest.mark.slow
def test_precise_replay_session_rate_catches_the_full_rate(target_factory: TargetFactory) -> None:
    """10 sessions each at production's 0.05 ± 0.025 (the suite's tolerance there) at 99.44%.

    The mutant (1.0) sends 10 whole-session replays of 10: its interval lies far above 0.075, FAIL is
    certain. The hardened page cannot reach PASS's precision with 10 sessions (P(PASS)=0); it FAILs only if
    3 or more of 10 are sampled whole at 0.05, P=0.001 (exact binomial), so it must not FAIL."""
    require_chromium()
    mutants: list[str | None] = [None, "replay-session-rate-full"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        targets = list(pool.map(lambda m: target_factory("python-api", environment="production", mutant=m), mutants))

        def probe(i: int) -> CheckResult:
            return probe_replay_session_rate(
                targets[i],
                sessions=SESSIONS,
                expected=0.05,
                tolerance=0.025,
                level=LEVEL,
                environment="production",
                neighbours=[0.1, 0.2],
                concurrency=SESSIONS,
            )

        hardened, mutant = pool.map(probe, range(2))
    assert hardened.check_id == mutant.check_id == SESSION_CHECK
    assert hardened.evidence["sessions"] == mutant.evidence["sessions"] == SESSIONS
    assert hardened.verdict is not Verdict.FAIL, hardened.summary
    assert mutant.verdict is Verdict.FAIL, mutant.summary
    assert mutant.evidence["session_replays"] == SESSIONS
    with pytest.raises(pytest.fail.Exception) as failed:
        CheckRecorder()(mutant)
    message = str(failed.value)
    assert message.startswith(f"{SESSION_CHECK}: "), message
    assert re.search(r"replay session sample rate in production 1\.0000 \(10/10\)", message), message
    assert set(mutant.evidence["neighbour_power"]) == {"0.1", "0.2"}
