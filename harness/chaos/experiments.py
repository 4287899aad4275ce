"""Chaos scenarios on a `ChaosRig` that end in `CheckResult`s: the suite runs them at full length, the
self-tests with short faults against the mutants.

Each is a Chaos Toolkit experiment (`run_experiment`), so its journal (steady state before, under the
fault and after roll back, every measured figure) travels in each result's evidence. Waits are on
conditions with deadlines (the ingest's flush and long-poll, the target's flush route); loops are
bounded in count and time. This module does the I/O; the verdicts are the pure functions of
`harness.chaos.checks`, `harness.chaos.delivery`, `harness.chaos.availability` and `harness.chaos.memory`.
Here: SIGTERM under load, memory during an outage, faults on the Sentry wire, the fake Spotify's
answers. The ingest-answer scenario (429, 413, 5xx) is `harness.chaos.ingest_answers`; its names are
importable from here too, where the suites find every scenario.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import time
from collections.abc import Sequence
from typing import Any

from harness.chaos import availability, checks, delivery, memory
from harness.chaos.faults import ProxyDown, ToxicFault
from harness.chaos.ingest_answers import (
    BACKOFF,
    DELIVERY_LOSS_REASONS,
    LOSS,
    IngestAnswerFault,
    ingest_answer_scenario,
)
from harness.chaos.load import LoadSample, drive
from harness.chaos.rig import ChaosRig
from harness.chaos.scenario import Action, Experiment, ExperimentStatus, Probe, run_experiment
from harness.chaos.scenario_parts import marked_errors, with_journal
from harness.results import CheckResult, Verdict

__all__ = [
    "BACKOFF",
    "DELIVERY_LOSS_REASONS",
    "FLUSH",
    "LOSS",
    "MEMORY",
    "SHUTDOWN_TIMEOUT_S",
    "IngestAnswerFault",
    "ingest_answer_scenario",
    "memory_scenario",
    "sentry_wire_scenario",
    "shutdown_scenario",
    "spotify_answer_scenario",
]

FLUSH = "chaos.shutdown.flush"
MEMORY = "chaos.ingest-down.memory"

SHUTDOWN_TIMEOUT_S = {"express-vue": 5.0 + 2.0, "python-api": 10.0 + 2.0}
"""Each target's own shutdown budget: in-flight requests (Express 5 s, uvicorn 10 s) plus closing the SDK (2 s)."""

SHUTDOWN_LOAD = {"express-vue": (45, 600), "python-api": (10, 120)}
"""(events, ingest latency ms) that leave events pending inside each SDK at the signal and that its own
close timeout (2 s) can still deliver. @sentry/node sends concurrently over at most 30 sockets
(its http.Agent's maxSockets): with each answer 600 ms late, 15 of 45 events wait in the process
(~1.2 s to deliver). sentry-python sends one envelope at a time: 10 answered 120 ms late is 1.2 s."""


def shutdown_scenario(rig: ChaosRig, *, events: int | None = None, ingest_latency_ms: int | None = None) -> CheckResult:
    """SIGTERM while events are pending: they and the request-mode session aggregates must arrive in time.

    The ingest answers each envelope ``ingest_latency_ms`` late, so events captured just before the
    signal are still queued inside the SDK (defaults: `SHUTDOWN_LOAD`). The rig's target is gone afterwards.
    """
    default_events, default_latency = SHUTDOWN_LOAD.get(rig.name, (10, 120))
    events = default_events if events is None else events
    ingest_latency_ms = default_latency if ingest_latency_ms is None else ingest_latency_ms
    process = rig.target.process
    if process is None:
        return CheckResult(FLUSH, Verdict.SKIPPED, f"{rig.name} has no process to signal")
    project = rig.server_project
    timeout_s = SHUTDOWN_TIMEOUT_S.get(rig.name, 10.0)
    prefix = f"sigterm-{secrets.token_hex(4)}"
    outcome: dict[str, Any] = {}

    def fire_and_terminate() -> dict[str, Any]:
        sample = marked_errors(rig, prefix, requests=events, concurrency=8)
        started = time.monotonic()
        process.popen.send_signal(signal.SIGTERM)
        try:
            code: int | None = process.popen.wait(timeout_s + 10.0)
        except subprocess.TimeoutExpired:
            code = None
        outcome.update(sample=sample, exit_seconds=time.monotonic() - started, exit_code=code)
        return {"load": sample.summary(), "exit_seconds": round(outcome["exit_seconds"], 2), "exit_code": code}

    # The target is gone after the method, so its health is probed in the method, before the signal;
    # the steady state checked in every phase is the ingest's (the receiving end must stay up).
    answers = Probe("target health before the signal", lambda: rig.target.http.get("/monitoring/health").status_code)
    ingest_up = Probe("ingest answers", lambda: bool(project.client.health()), tolerance=True)
    journal = run_experiment(
        Experiment(
            f"{rig.name}: SIGTERM under load, ingest {ingest_latency_ms} ms slow",
            steady_state=[ingest_up],
            faults=[IngestAnswerFault(project, {"kind": "latency", "latency_ms": ingest_latency_ms}, "slowly")],
            method=[answers, Action(f"{events} error events, then SIGTERM", fire_and_terminate)],
        )
    )
    if "sample" not in outcome:
        return journal.to_check_result(FLUSH)
    sample: LoadSample = outcome["sample"]
    sent = sample.requests - sample.failed
    items = project.items("event")
    received = sum(1 for i in items if str(checks.tags_of(i.json()).get("gate.marker", "")).startswith(prefix))
    sessions = len(project.items("sessions")) + len(project.items("session"))
    result = delivery.shutdown_flush(
        FLUSH,
        sent=sent,
        received=received,
        session_updates=sessions,
        exit_seconds=outcome["exit_seconds"],
        timeout_s=timeout_s,
        exit_code=outcome["exit_code"],
    )
    return with_journal(result, journal)


def memory_scenario(
    rig: ChaosRig, *, outage_s: float = 60.0, warmup_s: float = 10.0, block_requests: int = 40
) -> CheckResult:
    """Sentry refused for ``outage_s`` under steady load (each request captures an error): RSS growth < 50 MB.

    The baseline is the RSS after ``warmup_s`` of the same load with Sentry up: a runtime grows its
    heap to the load's working set whether Sentry is up or not (V8 does so lazily and never gives the
    pages back), and that growth is the load's, not the outage's.
    """
    process = rig.target.process
    if process is None:
        return CheckResult(MEMORY, Verdict.SKIPPED, f"{rig.name} has no process to measure")
    pid = process.popen.pid
    samples: list[float] = []
    loads: list[LoadSample] = []
    marker = f"memory-{secrets.token_hex(4)}"

    def block() -> LoadSample:
        return marked_errors(rig, marker, requests=block_requests, concurrency=2, timeout=20.0)

    def outage_load() -> dict[str, Any]:
        deadline = time.monotonic() + outage_s
        while time.monotonic() < deadline and len(loads) < 10_000:
            loads.append(block())
            samples.append(memory.rss_mb(pid))
        return {"blocks": len(loads), "rss_mb": [round(s, 1) for s in samples[-5:]]}

    rss_before: list[float] = []

    def steady_rss() -> float:
        deadline = time.monotonic() + (warmup_s if not rss_before else 0.0)
        block()
        while time.monotonic() < deadline:
            block()
        rig.target.flush()
        rss_before.append(memory.rss_mb(pid))
        return round(rss_before[-1], 1)

    journal = run_experiment(
        Experiment(
            f"{rig.name}: Sentry refused for {outage_s:g} s under steady load",
            steady_state=[Probe("RSS MB after load with Sentry up", steady_rss, tolerance=None)],
            faults=[ProxyDown(rig.sentry_proxy)],
            method=[Action(f"steady load for {outage_s:g} s", outage_load)],
        )
    )
    if not rss_before or not samples:
        return journal.to_check_result(MEMORY)
    requests = sum(s.requests for s in loads)
    failed = sum(s.failed for s in loads)
    result = memory.memory_bounded(
        MEMORY,
        f"Sentry refused for {outage_s:g} s",
        before_mb=rss_before[0],
        samples_mb=samples,
        requests=requests,
        failed=failed,
    )
    return with_journal(result, journal)


def sentry_wire_scenario(
    rig: ChaosRig,
    fault: ToxicFault | ProxyDown,
    *,
    pairs: int = 5,
    block_requests: int = 20,
    concurrency: int = 4,
    recovery: Sequence[Probe] = (),
    floor_ms: float = checks.P95_NOISE_FLOOR_MS,
) -> CheckResult:
    """Steady load (each request captures an error) in interleaved steady/fault blocks on the Sentry proxy:
    ``chaos.ingest-down.app-unaffected`` judged by `availability.p95_blocks` (p95 ratio with an interval;
    ``floor_ms`` is its noise floor, the issue's 50 ms unless a self-test states another).

    The experiment's steady state (one block without failures) is checked before, under the fault and
    after roll back (then also ``recovery``, e.g. events flow again); the method alternates the fault
    off and on for ``pairs`` block pairs and ends with it on.
    """
    marker = f"wire-{secrets.token_hex(4)}"
    steady: list[LoadSample] = []
    faulty: list[LoadSample] = []

    def load() -> LoadSample:
        return marked_errors(rig, marker, requests=block_requests, concurrency=concurrency, timeout=30.0)

    def interleaved() -> dict[str, Any]:
        for _ in range(pairs):
            fault.rollback()
            steady.append(load())
            fault.inject()
            faulty.append(load())
        return {
            "steady p95 ms": [round(b.p95_ms, 1) for b in steady],
            "fault p95 ms": [round(b.p95_ms, 1) for b in faulty],
        }

    probe = Probe("steady load", load, tolerance=lambda sample: sample.failed == 0)
    journal = run_experiment(
        Experiment(
            f"{rig.name}: {fault.name}",
            steady_state=[probe],
            faults=[fault],
            method=[Action(f"{pairs} interleaved steady/fault block pairs of {block_requests} requests", interleaved)],
            recovery=[probe, *recovery],
        )
    )
    if journal.status in (ExperimentStatus.FAILED, ExperimentStatus.ABORTED, ExperimentStatus.INTERRUPTED):
        return journal.to_check_result(checks.APP_UNAFFECTED)
    faulty.append(journal.value("during", "steady load"))
    steady.insert(0, journal.value("before", "steady load"))
    result = availability.p95_blocks(checks.APP_UNAFFECTED, fault.name, steady, faulty, floor_ms=floor_ms)
    if result.passed and journal.status is ExperimentStatus.DEVIATED:
        return journal.to_check_result(checks.APP_UNAFFECTED)  # e.g. events did not flow again after roll back
    return with_journal(result, journal)


def spotify_answer_scenario(
    rig: ChaosRig,
    kind: str,
    params: dict[str, Any],
    *,
    expect: tuple[int, ...],
    upstream_status: tuple[str, ...],
    calls: int = 3,
    route: str = "/api/spotify/search",
    deadline_ms: float = 7500.0,
) -> list[CheckResult]:
    """A fault scripted on the fake Spotify (``server-error``, ``slow``…) met by ``calls`` searches:
    ``chaos.upstream.errors-captured`` and ``chaos.upstream.timeout`` (the suite's rules)."""
    marker = f"upstream-{secrets.token_hex(4)}"
    samples: list[LoadSample] = []

    class _Answer:
        name = f"fake Spotify {kind} {params}"

        def inject(self) -> None:
            rig.spotify.add_fault(kind, path="/v1/search", **params)

        def rollback(self) -> None:
            rig.spotify.clear_faults()

    def meet() -> str:
        sample = drive(
            rig.target.url,
            f"{route}?q={marker}",
            headers={"Authorization": "Bearer gate-chaos-token", "X-Gate-Marker": marker},
            requests=calls,
            concurrency=calls,
            expect=expect,
            timeout=20.0,
        )
        samples.append(sample)
        return sample.summary()

    health = Probe("health answers", lambda: rig.target.http.get("/monitoring/health").status_code, tolerance=200)
    journal = run_experiment(
        Experiment(
            f"{rig.name}: Spotify {kind}",
            steady_state=[health],
            faults=[_Answer()],
            method=[Action(f"{calls} searches meet the fault", meet)],
        )
    )
    if not samples:
        return [journal.to_check_result(checks.ERRORS_CAPTURED)]
    rig.target.flush()
    events = [i.json() for i in rig.server_project.items("event")]
    events = [e for e in events if checks.tags_of(e).get("gate.marker") == marker]
    results = [
        checks.upstream_deadline(checks.UPSTREAM_TIMEOUT, kind, samples[0], deadline_ms=deadline_ms),
        checks.upstream_errors_captured(
            checks.ERRORS_CAPTURED, kind, samples[0], events, upstream_status=upstream_status, route=route
        ),
    ]
    return [with_journal(r, journal) for r in results]
