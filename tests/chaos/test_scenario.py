"""Experiments in the Chaos Toolkit shape: the order of phases, rollback always, statuses, the journal."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from harness.chaos import (
    Action,
    Experiment,
    ExperimentStatus,
    Probe,
    ProxyDown,
    ToxicFault,
    run_experiment,
)
from harness.chaos.fixtures import FaultProxyFactory
from harness.results import Verdict
from tests.chaos.loopback import HttpServer


class Recorder:
    """A system under test made of flags, and a log of what the experiment did to it."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.broken = False
        self.healthy_after_rollback = True

    def probe(self, name: str = "healthy") -> Probe:
        def measure() -> bool:
            self.log.append(f"probe {name}")
            return not self.broken

        return Probe(name, measure, tolerance=True)

    def fault(self, *, breaks: bool = True, raises: bool = False) -> Any:
        recorder = self

        class _Fault:
            name = "flag fault"

            def inject(self) -> None:
                recorder.log.append("inject")
                if raises:
                    raise RuntimeError("cannot inject")
                recorder.broken = breaks

            def rollback(self) -> None:
                recorder.log.append("rollback")
                recorder.broken = not recorder.healthy_after_rollback

        return _Fault()


def test_phases_run_in_order_and_a_tolerated_fault_completes() -> None:
    r = Recorder()
    journal = run_experiment(
        Experiment(
            "tolerated",
            steady_state=[r.probe()],
            faults=[r.fault(breaks=False)],
            method=[Action("load", lambda: r.log.append("load"))],
            rollbacks=[Action("cleanup", lambda: r.log.append("cleanup"))],
        )
    )
    assert r.log == ["probe healthy", "inject", "load", "probe healthy", "rollback", "cleanup", "probe healthy"]
    assert journal.status is ExperimentStatus.COMPLETED
    assert [len(journal.steady_states[p]) for p in ("before", "during", "after")] == [1, 1, 1]
    assert journal.to_check_result("chaos.test.tolerated").verdict is Verdict.PASS


def test_a_fault_that_breaks_the_hypothesis_deviates_and_is_still_rolled_back() -> None:
    r = Recorder()
    journal = run_experiment(Experiment("breaking", steady_state=[r.probe()], faults=[r.fault()]))
    assert journal.status is ExperimentStatus.DEVIATED
    assert "rollback" in r.log
    assert not r.broken
    result = journal.to_check_result("chaos.test.breaking")
    assert result.verdict is Verdict.FAIL
    assert "healthy during: False" in result.summary
    assert [d.phase for d in journal.deviations] == ["during"]


def test_no_recovery_after_rollback_deviates() -> None:
    r = Recorder()
    r.healthy_after_rollback = False
    journal = run_experiment(Experiment("sticky", steady_state=[r.probe()], faults=[r.fault(breaks=False)]))
    assert journal.status is ExperimentStatus.DEVIATED
    assert [d.phase for d in journal.deviations] == ["after"]


def test_not_steady_before_means_failed_nothing_injected_rollbacks_still_run() -> None:
    r = Recorder()
    r.broken = True
    journal = run_experiment(
        Experiment(
            "unsteady",
            steady_state=[r.probe()],
            faults=[r.fault()],
            rollbacks=[Action("cleanup", lambda: r.log.append("cleanup"))],
        )
    )
    assert journal.status is ExperimentStatus.FAILED
    assert r.log == ["probe healthy", "cleanup"]
    assert journal.to_check_result("chaos.test.unsteady").verdict is Verdict.INCONCLUSIVE


def test_an_injection_that_raises_aborts_and_rolls_back() -> None:
    r = Recorder()
    journal = run_experiment(Experiment("abort", steady_state=[r.probe()], faults=[r.fault(raises=True)]))
    assert journal.status is ExperimentStatus.ABORTED
    assert r.log == ["probe healthy", "inject", "rollback"]
    result = journal.to_check_result("chaos.test.abort")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "cannot inject" in result.summary


def test_rollback_runs_even_when_the_runner_itself_is_interrupted() -> None:
    r = Recorder()

    def interrupt() -> None:
        raise KeyboardInterrupt

    experiment = Experiment("ctrl-c", steady_state=[r.probe()], faults=[r.fault()], method=[Action("x", interrupt)])
    with pytest.raises(KeyboardInterrupt):
        run_experiment(experiment)
    assert r.log == ["probe healthy", "inject", "rollback"]
    assert not r.broken


def test_a_probe_that_raises_is_not_met_with_its_error_recorded() -> None:
    def boom() -> float:
        raise ConnectionError("target down")

    journal = run_experiment(Experiment("raising probe", steady_state=[Probe("p", boom)]))
    assert journal.status is ExperimentStatus.FAILED
    record = journal.steady_states["before"][0]
    assert (record.ok, record.error) == (False, "ConnectionError: target down")


def test_rollback_errors_are_recorded_and_every_rollback_is_attempted() -> None:
    log: list[str] = []

    def bad() -> None:
        raise RuntimeError("rollback broke")

    journal = run_experiment(
        Experiment(
            "rollbacks",
            steady_state=[Probe("ok", lambda: 1, tolerance=1)],
            rollbacks=[Action("bad", bad), Action("good", lambda: log.append("good"))],
        )
    )
    assert log == ["good"]
    assert [r.name for r in journal.rollback_errors] == ["bad"]
    assert "rollback failed: bad" in journal.to_check_result("chaos.test.rollbacks").summary


def test_tolerances_values_ranges_predicates_and_relative_to_before() -> None:
    readings = iter([100.0, 108.0, 101.0])
    journal = run_experiment(
        Experiment(
            "p95",
            steady_state=[
                Probe(
                    "p95 ms",
                    lambda: next(readings),
                    tolerance=(0, 1000),
                    relative=lambda now, before: now <= 1.10 * before,
                    relative_text="≤ 110% of",
                ),
                Probe("status", lambda: 200, tolerance=200),
                Probe("errors", lambda: 0, tolerance=lambda v: v == 0),
            ],
        )
    )
    assert journal.status is ExperimentStatus.COMPLETED
    assert [journal.value(p, "p95 ms") for p in ("before", "during", "after")] == [100.0, 108.0, 101.0]
    too_slow = iter([100.0, 111.0, 100.0])
    journal = run_experiment(
        Experiment(
            "p95",
            steady_state=[
                Probe(
                    "p95 ms", lambda: next(too_slow), tolerance=None, relative=lambda now, before: now <= 1.1 * before
                )
            ],
        )
    )
    assert journal.status is ExperimentStatus.DEVIATED


def test_the_journal_is_json_and_reads_as_a_report() -> None:
    r = Recorder()
    journal = run_experiment(
        Experiment(
            "report",
            steady_state=[r.probe(), Probe("latency", lambda: 0.0123, tolerance=(0, 1))],
            faults=[r.fault()],
            method=[Probe("figures", lambda: {"p50": 1.5, "bad": float("inf"), "obj": object()})],
        )
    )
    data = json.loads(json.dumps(journal.as_dict()))
    assert data["status"] == "deviated"
    assert data["faults"] == ["flag fault"]
    assert data["run"][1]["value"]["bad"] == "inf"
    summary = journal.summary()
    assert "report: deviated" in summary
    assert "healthy [== True]: before True (ok), during False (NOT MET), after True (ok)" in summary
    assert "latency [between 0 and 1]: before 0.0123 (ok)" in summary


def test_proxy_faults_in_an_experiment(fault_proxy: FaultProxyFactory, http_server: HttpServer) -> None:
    """No upper bound on a duration: the slowed request must answer within a 10 s deadline (it takes the
    injected 300 ms), and its time is asserted only as the floor the toxic injects by construction. The
    black hole and the disabled proxy cannot answer however long the probe waits, so there it waits 2 s:
    before and after them that is the deadline for a loopback request that takes about a millisecond. A
    correct build fails only on a 2 s stall of one loopback request."""
    proxy = fault_proxy(http_server.address)

    def request_seconds(timeout: float = 10.0) -> float:
        start = time.perf_counter()
        with httpx.Client(timeout=timeout, trust_env=False) as client:
            assert client.get(proxy.url(path="/")).text == "ok"
        return time.perf_counter() - start

    def serves(timeout: float = 10.0) -> bool:
        try:
            request_seconds(timeout)
        except httpx.HTTPError:
            return False
        return True

    steady = [Probe("answers", serves), Probe("seconds", request_seconds, tolerance=None)]
    slow = ToxicFault(proxy, "latency", {"latency": 300})
    journal = run_experiment(Experiment("300 ms on the wire", steady_state=steady, faults=[slow]))
    assert journal.status is ExperimentStatus.COMPLETED, journal.summary()  # slower, but it answers
    assert journal.value("during", "seconds") >= 0.3
    assert proxy.toxics() == []  # rolled back

    answers_2s = [Probe("answers", lambda: serves(timeout=2.0))]
    black_hole = ToxicFault(proxy, "timeout", {"timeout": 0})
    journal = run_experiment(Experiment("black hole", steady_state=answers_2s, faults=[black_hole]))
    assert journal.status is ExperimentStatus.DEVIATED
    assert [(d.phase, d.name) for d in journal.deviations] == [("during", "answers")]

    down = ProxyDown(proxy)
    journal = run_experiment(Experiment("proxy down", steady_state=answers_2s, faults=[down]))
    assert journal.status is ExperimentStatus.DEVIATED
    assert [(d.phase, d.name) for d in journal.deviations] == [("during", "answers")]
    assert proxy.enabled
    assert journal.faults == [f"{proxy.name} down (connections refused)"]
