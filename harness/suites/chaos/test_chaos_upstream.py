"""Spotify failing: errors the runbook can act on, no request held open, slow answers still served.

Wire faults go on the Spotify proxy (connection reset, black hole, 2 s latency); answer faults use
the fake Spotify's switches (5xx, 429 with ``Retry-After``, an expired token). Each is an
experiment whose steady state is "the app answers its health route"; the calls that meet the fault
are driven during the method and judged by `harness.chaos.checks`:

- ``chaos.upstream.errors-captured``: each failed call answered with the status that says what
  happened, and captured as an event tagged ``upstream.status`` with its route; at most 3 grouping
  keys for one fault kind;
- ``chaos.upstream.timeout``: a black-holed Spotify does not hold requests beyond the app's deadline;
- ``chaos.upstream.slow-served``: 2 s of latency is waited out, answered 200, and not reported as an error.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.chaos import Action, Experiment, ExperimentStatus, Probe, ToxicFault, checks, run_experiment
from harness.chaos.load import LoadSample, drive
from harness.chaos.rig import ChaosRig
from harness.chaos.spec import Direction
from harness.recorder import CheckRecorder
from harness.results import CheckResult, Verdict
from harness.targets import FakeSpotify

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = pytest.mark.needs("bundled", "gate_routes", "upstreams")

ROUTE = "/api/spotify/search"
CALLS = 4
APP_DEADLINE_MS = 5000 + 2500  # the targets' upstream timeout (5 s) plus room for the answer itself
CLIENT_TIMEOUT_S = 15.0


@dataclass
class SpotifyFault:
    """A fault scripted on the fake Spotify itself (answers, not the wire)."""

    spotify: FakeSpotify
    kind: str
    params: dict[str, Any]

    @property
    def name(self) -> str:
        return f"fake Spotify {self.kind} {self.params or ''}".strip()

    def inject(self) -> None:
        self.spotify.add_fault(self.kind, path="/v1/search", **self.params)

    def rollback(self) -> None:
        self.spotify.clear_faults()


@dataclass(frozen=True)
class Scenario:
    expect: tuple[int, ...]
    upstream_status: tuple[str, ...]
    wire: tuple[str, dict[str, int], Direction] | None = None
    answer: tuple[str, dict[str, Any]] | None = None

    def fault(self, rig: ChaosRig) -> ToxicFault | SpotifyFault:
        if self.wire is not None:
            kind, attrs, stream = self.wire
            return ToxicFault(rig.spotify_proxy, kind, attrs, stream)
        assert self.answer is not None
        return SpotifyFault(rig.spotify, *self.answer)


SCENARIOS = {
    "connection reset": Scenario((502,), ("network",), wire=("reset_peer", {"timeout": 0}, Direction.UPSTREAM)),
    # A black hole answers 504 when the app's deadline fires first, or 502 when Spotify's idle keep-alive
    # close (which a timeout toxic lets through, as in Toxiproxy) ends the pooled connection first.
    "black hole": Scenario((504, 502), ("timeout", "network"), wire=("timeout", {"timeout": 0}, Direction.DOWNSTREAM)),
    # A Spotify that holds the request open (no idle close can end it early): only the app's deadline can.
    "hung request": Scenario((504,), ("timeout",), answer=("slow", {"delay_ms": 12_000})),
    "5xx": Scenario((503,), ("503",), answer=("server-error", {"status": 503})),
    "429 with Retry-After": Scenario((429,), ("429",), answer=("rate-limit", {"retry_after": 7})),
    "expired token": Scenario((401,), ("401",), answer=("expired-token", {})),
}


def _headers(marker: str) -> dict[str, str]:
    return {"Authorization": "Bearer gate-chaos-token", "X-Gate-Marker": marker}


def health_answers(rig: ChaosRig) -> bool:
    try:
        return rig.target.http.get("/monitoring/health", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def search_answers(rig: ChaosRig, tries: int = 5) -> bool:
    """After roll back a search answers 200 again, within a few tries: removing a black hole closes the
    connections it held, and the target's first call may still meet its pooled, now closed, connection."""
    for _ in range(tries):
        try:
            response = rig.target.http.get(ROUTE, params={"q": "ok"}, headers=_headers("steady"), timeout=10)
        except httpx.HTTPError:
            continue
        if response.status_code == 200:
            return True
    return False


def _marked_events(rig: ChaosRig, marker: str) -> list[dict[str, Any]]:
    rig.target.flush()
    events = [item.json() for item in rig.server_project.items("event")]
    return [e for e in events if checks.tags_of(e).get("gate.marker") == marker]


def _run(rig: ChaosRig, name: str, fault: Any, expect: tuple[int, ...], calls: int = CALLS) -> tuple[LoadSample, str]:
    marker = f"chaos-{secrets.token_hex(4)}"
    samples: list[LoadSample] = []

    def meet_the_fault() -> str:
        sample = drive(
            rig.target.url,
            f"{ROUTE}?q={marker}",
            headers=_headers(marker),
            requests=calls,
            concurrency=calls,
            expect=expect,
            timeout=CLIENT_TIMEOUT_S,
        )
        samples.append(sample)
        return sample.summary()

    steady = [Probe("health answers", lambda: health_answers(rig))]
    journal = run_experiment(
        Experiment(
            f"{rig.name}: Spotify {name}",
            steady_state=steady,
            faults=[fault],
            method=[Action(f"{calls} searches meet the fault", meet_the_fault)],
            recovery=[*steady, Probe("search answers again", lambda: search_answers(rig))],
        )
    )
    if journal.status is not ExperimentStatus.COMPLETED or not samples:
        result = journal.to_check_result("chaos.upstream.experiment")
        pytest.fail(f"{result.summary}\n{journal.summary()}")
    return samples[0], marker


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_upstream_failures_are_captured_for_the_runbook(
    rig: ChaosRig, scenario: str, gate_check: CheckRecorder
) -> None:
    spec = SCENARIOS[scenario]
    sample, marker = _run(rig, scenario, spec.fault(rig), spec.expect)
    events = _marked_events(rig, marker)
    results = []
    if scenario in ("black hole", "hung request"):
        results.append(
            checks.upstream_deadline("chaos.upstream.timeout", scenario, sample, deadline_ms=APP_DEADLINE_MS)
        )
    results.append(
        checks.upstream_errors_captured(
            "chaos.upstream.errors-captured",
            scenario,
            sample,
            events,
            upstream_status=spec.upstream_status,
            route=ROUTE,
        )
    )
    gate_check.all(results)


def test_slow_upstream_is_waited_out_and_not_reported(rig: ChaosRig, gate_check: CheckRecorder) -> None:
    fault = ToxicFault(rig.spotify_proxy, "latency", {"latency": 2000})
    sample, marker = _run(rig, "2 s latency", fault, (200,))
    events = _marked_events(rig, marker)
    slowest = min(sample.latencies_ms, default=0.0)
    problems = []
    if sample.failed:
        problems.append(f"{sample.failed}/{sample.requests} not answered 200: {sample.failures[0]}")
    if slowest < 2000:
        problems.append(f"a call took {slowest:.0f} ms: the latency did not apply (positive control)")
    if events:
        problems.append(f"{len(events)} events captured for calls that succeeded")
    figures = f"{sample.requests} calls, {sample.failed} not 200, fastest {slowest:.0f} ms, {len(events)} events"
    gate_check(
        CheckResult(
            "chaos.upstream.slow-served",
            Verdict.FAIL if problems else Verdict.PASS,
            "; ".join(problems) if problems else f"{rig.name}: Spotify 2 s slower: {figures}",
            evidence={
                "target": rig.name,
                "requests": sample.requests,
                "failed": sample.failed,
                "fastest_ms": round(slowest, 1),
                "events": len(events),
            },
        )
    )
