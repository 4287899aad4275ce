"""The ingest-answer scenario: the fake Sentry answers 429 (category limit or bare), 413 or flapping 5xx
for one project while marked traffic runs; the SDK must back off and account for what it lost.

A Chaos Toolkit experiment (`run_experiment`) whose fault is scripted on the ingest itself
(`IngestAnswerFault`, also used by the shutdown scenario to slow answers down). It ends in
``chaos.ingest-rate-limit.backoff`` (the 429 kinds) and ``chaos.loss.accounted``, judged by the pure
functions of `harness.chaos.delivery`; this module does the I/O, with bounded loops and deadlines.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.chaos import checks, delivery
from harness.chaos.rig import ChaosRig
from harness.chaos.scenario import Action, Experiment, ExperimentStatus, Probe, run_experiment
from harness.chaos.scenario_parts import with_journal
from harness.ingest import ProjectHandle
from harness.results import CheckResult

__all__ = [
    "BACKOFF",
    "DELIVERY_LOSS_REASONS",
    "LOSS",
    "IngestAnswerFault",
    "ingest_answer_scenario",
]

BACKOFF = "chaos.ingest-rate-limit.backoff"
LOSS = "chaos.loss.accounted"

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
    return [with_journal(r, journal) for r in results]
