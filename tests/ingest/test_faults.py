import random

import pytest

from harness.ingest.faults import FaultSet, fault_from_spec


def test_no_faults_is_a_plain_decision() -> None:
    decision = FaultSet().decide(0.0, random.Random(0), project=1)
    assert decision.fault is None
    assert decision.delay_s == 0


def test_count_limited_fault_expires() -> None:
    faults = FaultSet()
    faults.add({"kind": "status", "status": 503, "count": 2}, now=0.0)
    rng = random.Random(0)
    assert [faults.decide(1.0, rng, project=1).fault is not None for _ in range(3)] == [True, True, False]


def test_duration_and_project_scope() -> None:
    faults = FaultSet()
    faults.add({"kind": "status", "status": 500, "duration": 10, "project": 7}, now=100.0)
    rng = random.Random(0)
    assert faults.decide(101.0, rng, project=8).fault is None
    assert faults.decide(101.0, rng, project=7).fault is not None
    assert faults.decide(111.0, rng, project=7).fault is None


def test_latency_adds_up_and_lets_a_terminal_fault_decide() -> None:
    faults = FaultSet()
    faults.add({"kind": "latency", "latency_ms": 200}, now=0.0)
    faults.add({"kind": "status", "status": 429, "retry_after": 30, "rate_limits": "30:transaction:key"}, now=0.0)
    decision = faults.decide(0.0, random.Random(0), project=1)
    assert decision.delay_s == pytest.approx(0.2)
    assert decision.fault is not None
    assert decision.fault.response_headers() == {"retry-after": "30", "x-sentry-rate-limits": "30:transaction:key"}


def test_probability_is_honoured_over_many_requests() -> None:
    faults = FaultSet()
    faults.add({"kind": "status", "status": 500, "probability": 0.5}, now=0.0)
    rng = random.Random(1234)
    hits = sum(faults.decide(0.0, rng, project=1).fault is not None for _ in range(2000))
    assert 900 < hits < 1100


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "teleport"}, "not one of"),
        ({"kind": "status", "status": 200}, "4xx or 5xx"),
        ({"probability": 2}, "within 0..1"),
        ({"count": 0}, "at least 1"),
        ({"kind": "blackhole"}, "needs a 'duration' or 'count'"),
    ],
)
def test_invalid_specs_say_what_is_wrong(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fault_from_spec(spec, fault_id=1, now=0.0)


def test_bare_429_defaults() -> None:
    fault = fault_from_spec({"retry_after": 60}, fault_id=1, now=0.0)
    assert (fault.kind, fault.status) == ("status", 429)
