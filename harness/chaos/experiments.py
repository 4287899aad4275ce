"""Chaos scenarios on a `ChaosRig` that end in `CheckResult`s: the suite runs them at full length, the
self-tests with short faults against the mutants.

Each is a Chaos Toolkit experiment (`run_experiment`), so its journal (steady state before, under the
fault and after roll back, every measured figure) travels in each result's evidence. Waits are on
conditions with deadlines (the ingest's flush and long-poll, the target's flush route); loops are
bounded in count and time. This module does the I/O; the verdicts are the pure functions of
`harness.chaos.checks`, `harness.chaos.delivery` and `harness.chaos.memory`.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.chaos import availability, checks, delivery, memory
from harness.chaos.faults import ProxyDown, ToxicFault
from harness.chaos.load import LoadSample, drive
from harness.chaos.rig import ChaosRig
from harness.chaos.scenario import Action, Experiment, ExperimentStatus, Journal, Probe, run_experiment
from harness.ingest import ProjectHandle
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

BACKOFF = "chaos.ingest-rate-limit.backoff"
LOSS = "chaos.loss.accounted"
FLUSH = "chaos.shutdown.flush"
MEMORY = "chaos.ingest-down.memory"

SHUTDOWN_TIMEOUT_S = {"express-vue": 5.0 + 2.0, "python-api": 10.0 + 2.0}
"""Each target's own shutdown budget: in-flight requests (Express 5 s, uvicorn 10 s) plus closing the SDK (2 s)."""

DELIVERY_LOSS_REASONS = frozenset(
    {"ratelimit_backoff", "network_error", "queue_overflow", "send_error", "backpressure", "buffer_overflow"}
)
"""Client-report reasons that mean "lost on the way"; sample_rate, before_send, event_processor are choices."""

NODE_5XX_GAP = (
    "@sentry/node 11 records no client report for a 5xx answer (core transports/base: only 413 → send_error, "
    "a network error → network_error), so what a flapping ingest refuses is unaccounted"
)


@dataclass
class IngestAnswerFault:
    """A fault in the ingest's answers for one project (429, 413, 5xx…), e.g. ``status=429, retry_after=5, count=1``."""

    project: ProjectHandle
    spec: dict[str, Any]
    label: str
    fault_id: int | None = None
    injected_at: float | None = None
    """Wall-clock time (the ingest's clock) just before the fault was set: its window starts here."""

    @property
    def name(self) -> str:
        return f"ingest answers {self.label}"

    def inject(self) -> dict[str, Any]:
        self.injected_at = time.time()
        answer = self.project.add_fault(**self.spec)
        self.fault_id = int(answer["id"])
        return answer

    def rollback(self) -> None:
        if self.fault_id is not None:
            self.project.client.clear_faults(self.fault_id)
            self.fault_id = None


@dataclass
class _Traffic:
    """One run's marked traffic: each round is a ``slow`` request (a transaction, paced by the server) and a
    ``log-error`` request (an error event and a transaction)."""

    rig: ChaosRig
    prefix: str = field(default_factory=lambda: f"chaos-{secrets.token_hex(4)}")
    rounds: int = 0
    failures: list[str] = field(default_factory=list)

    def round(self, pace_ms: int) -> None:
        marker = f"{self.prefix}-{self.rounds}"
        self.rounds += 1
        for body in ({"kind": "slow", "ms": pace_ms, "marker": marker}, {"kind": "log-error", "marker": marker}):
            try:
                response = self.rig.target.http.post(
                    "/__gate/fault", headers=self.rig.target.gate_headers(), json=body, timeout=20
                )
                if response.status_code != 200:
                    self.failures.append(f"{body['kind']}: {response.status_code}")
            except httpx.HTTPError as exc:
                self.failures.append(f"{body['kind']}: {type(exc).__name__}")

    def marked(self, item_type: str) -> list[Any]:
        items = self.rig.server_project.items(item_type)
        return [i for i in items if str(checks.tags_of(i.json()).get("gate.marker", "")).startswith(self.prefix)]

    def flows(self, deadline_s: float = 25.0) -> dict[str, Any]:
        """Rounds, each flushed, until one's error event and transaction both arrived (the steady state).

        More than one round may be needed after a limit: sentry-python's backpressure monitor halves
        the traces sample rate while the transport is rate-limited and restores it only at its next
        health check (every 10 s), so the first transactions after a limit may be sampled out.
        """
        deadline = time.monotonic() + deadline_s
        tries = 0
        kinds: dict[str, Any] = {}
        while True:
            marker = f"{self.prefix}-{self.rounds}"
            self.round(pace_ms=0)
            tries += 1
            self.rig.target.flush()
            for item_type in ("event", "transaction"):
                kinds[item_type] = sum(
                    1 for i in self.marked(item_type) if checks.tags_of(i.json()).get("gate.marker") == marker
                )
            if (kinds["event"] and kinds["transaction"]) or time.monotonic() >= deadline or tries >= 200:
                return {**kinds, "rounds": tries}


def _marked_errors(rig: ChaosRig, marker: str, *, requests: int, concurrency: int, timeout: float = 30.0) -> LoadSample:
    """``requests`` error events through the target's fault route, each marked ``<marker>-<i>`` so it can be
    matched at the ingest; every scenario's load is this."""
    return drive(
        rig.target.url,
        "/__gate/fault",
        method="POST",
        headers=rig.target.gate_headers(),
        body=lambda i: {"kind": "log-error", "marker": f"{marker}-{i}"},
        requests=requests,
        concurrency=concurrency,
        timeout=timeout,
    )


def _flows(value: dict[str, Any]) -> bool:
    return bool(value.get("event")) and bool(value.get("transaction"))


def _reports(items: Sequence[Any], *, refused_too: bool) -> list[dict[str, Any]]:
    """The client reports among ``items``; with ``refused_too`` also those in envelopes the ingest refused
    (sentry-python attaches pending reports to whatever it sends next, and that may be the refused one)."""
    out = []
    for item in items:
        if item.type != "client_report" or not (item.accepted or refused_too):
            continue
        try:
            out.append(item.json())
        except ValueError:  # a refused body is stored truncated; a cut report cannot be counted
            continue
    return out


def _with_journal(result: CheckResult, journal: Journal) -> CheckResult:
    evidence = {"experiment": journal.as_dict(), "journal": journal.summary(), **result.evidence}
    return CheckResult(result.check_id, result.verdict, result.summary, evidence)


def ingest_answer_scenario(
    rig: ChaosRig,
    kind: str,
    *,
    limit_s: float = 20.0,
    pace_ms: int = 150,
    max_rounds: int = 400,
) -> list[CheckResult]:
    """The ingest answers 429 (category limit or bare), 413 or flapping 5xx; the SDK must cope and account.

    ``kind``: ``category-429`` (one 429 with ``X-Sentry-Rate-Limits: <limit_s>:transaction:key``, then
    the ingest accepts again, as Relay would for errors), ``bare-429`` (one 429 with ``Retry-After``),
    ``413`` (every envelope refused for ``limit_s``), ``5xx-flapping`` (half of them 503 for ``limit_s``).
    Traffic runs through the whole window and a few rounds beyond it. The rig's target must sample
    every transaction (``SENTRY_TRACES_SAMPLE_RATE=1``).
    """
    seconds = int(limit_s)
    specs: dict[str, tuple[dict[str, Any], str]] = {
        "category-429": (
            {"status": 429, "rate_limits": f"{seconds}:transaction:key", "count": 1},
            f"429 X-Sentry-Rate-Limits {seconds}:transaction:key (once)",
        ),
        "bare-429": ({"status": 429, "retry_after": seconds, "count": 1}, f"429 Retry-After {seconds} (once)"),
        "413": ({"status": 413, "duration": limit_s}, f"413 for {limit_s:g} s"),
        "5xx-flapping": ({"status": 503, "probability": 0.5, "duration": limit_s}, f"50% 503 for {limit_s:g} s"),
    }
    spec, label = specs[kind]
    project = rig.server_project
    traffic = _Traffic(rig)
    fault = IngestAnswerFault(project, spec, label)

    def through_the_window() -> dict[str, Any]:
        deadline = time.monotonic() + limit_s + 3.0
        while time.monotonic() < deadline and traffic.rounds < max_rounds:
            traffic.round(pace_ms)
        rig.target.flush()
        return {"rounds": traffic.rounds, "failures": traffic.failures[:5]}

    flows = Probe("marked events and transactions flow", traffic.flows, tolerance=_flows)
    answers = Probe("requests not answered 200", lambda: len(traffic.failures), tolerance=0)
    journal = run_experiment(
        Experiment(
            f"{rig.name}: {label}",
            steady_state=[answers, flows],
            faults=[fault],
            method=[Action(f"marked traffic for {limit_s:g} s + 3 s", through_the_window)],
            recovery=[answers, flows],
        )
    )
    if journal.status in (ExperimentStatus.FAILED, ExperimentStatus.ABORTED, ExperimentStatus.INTERRUPTED):
        return [journal.to_check_result(BACKOFF if kind.endswith("429") else LOSS)]
    project.client.flush()
    start = fault.injected_at or 0.0  # the first 429 may answer an envelope sent before the method began
    statuses = {r.id: r.status for r in project.requests()}
    items = [i for i in project.client.items(project.id, include_refused=True) if i.received_at >= start]
    arrivals = delivery.arrivals_from_items(items, statuses)
    results = []
    if kind.endswith("429"):
        limited = frozenset({"transaction"}) if kind == "category-429" else None
        flowing = "error" if kind == "category-429" else None
        backoff = delivery.rate_limit_backoff(
            BACKOFF, label, arrivals, limit_seconds=limit_s, limited=limited, flowing=flowing
        )
        results.append(backoff)
    category = "transaction" if kind == "category-429" else "error"
    wire_type = "transaction" if category == "transaction" else "event"
    received = len(traffic.marked(wire_type))
    injected = traffic.rounds * (2 if category == "transaction" else 1)
    reports = delivery.discarded_by_reason(_reports(items, refused_too=kind.endswith("429")), category)
    # At SENTRY_TRACES_SAMPLE_RATE=1 (this scenario's rig) only backpressure samples a transaction out, and
    # sentry-python names the reason when the transaction finishes (tracing.py): one that started under
    # backpressure but finished after the monitor recovered is reported as `sample_rate`. Count it here.
    reasons = DELIVERY_LOSS_REASONS | ({"sample_rate"} if category == "transaction" else set())
    accounted = {k: v for k, v in reports.items() if k in reasons}
    if kind.endswith("429"):
        # What the ingest itself refused with a 429 is accounted where Relay accounts it: server-side
        # outcomes. The SDKs do not report an envelope the server refused (it was sent).
        refused = sum(1 for i in items if not i.accepted and delivery.category_of(i.type) == category)
        if refused:
            accounted["refused by the ingest (429)"] = refused
    gap = NODE_5XX_GAP if kind == "5xx-flapping" and rig.name == "express-vue" else None
    results.append(
        delivery.loss_accounted(
            LOSS, label, category=category, injected=injected, received=received, accounted=accounted, known_gap=gap
        )
    )
    if journal.status is ExperimentStatus.DEVIATED:
        results.append(journal.to_check_result(BACKOFF if kind.endswith("429") else LOSS))
    return [_with_journal(r, journal) for r in results]


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
        sample = _marked_errors(rig, prefix, requests=events, concurrency=8)
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
    return _with_journal(result, journal)


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
        return _marked_errors(rig, marker, requests=block_requests, concurrency=2, timeout=20.0)

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
    return _with_journal(result, journal)


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
        return _marked_errors(rig, marker, requests=block_requests, concurrency=concurrency, timeout=30.0)

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
    return _with_journal(result, journal)


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
    return [_with_journal(r, journal) for r in results]
