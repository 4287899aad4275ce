"""Every run-time server mutant of targets/MUTANTS.md changes the behaviour it names: each is shown against a
control from the same fleet, by what reaches the ingest (or what the server answers), never by a sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.ingest import IngestClient
from harness.ingest.wait import mentions, wait_matching
from harness.targets.target import Target

from ..support import assert_slow_traces_sampler, catalogue, envelope_headers
from .express import (
    FLEET,
    RELEASE,
    leaked,
    leaky_login,
    marker,
    script_path,
    server,
    settled,
    spotify_headers,
    throw,
)

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]


def _event_for(target: Target, mark: str, **params: Any) -> dict[str, Any]:
    throw(target, mark, **params)
    [event] = wait_matching(server(target), mentions(mark), type="event")
    return dict(event.json())


def m_traces_rate_full(fleet: dict[str, Target], ingest: IngestClient) -> None:
    def declared(target: Target) -> str:
        mark = marker()
        throw(target, mark)
        [event] = wait_matching(server(target), mentions(mark), type="event")
        return str(envelope_headers(ingest, event)["trace"]["sample_rate"])

    assert (declared(fleet["production"]), declared(fleet["m:traces-rate-full"])) == ("0.1", "1")


def m_profiling_off(fleet: dict[str, Target], ingest: IngestClient) -> None:
    mark = marker()
    for target in (fleet["full-rates"], fleet["m:profiling-off"]):
        for _ in range(3):
            target.http.get("/api/spotify/search", params={"q": "love"}, headers=spotify_headers(mark))
    wait_matching(server(fleet["full-rates"]), lambda i: True, type="profile_chunk", timeout=15)
    settled(fleet["m:profiling-off"])
    assert wait_matching(server(fleet["m:profiling-off"]), mentions(mark), type="transaction")  # traced, though
    assert server(fleet["m:profiling-off"]).items("profile_chunk") == []
    assert server(fleet["m:profiling-off"]).items("profile") == []


def m_no_release(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _event_for(fleet["production"], marker()).get("release") == RELEASE
    assert _event_for(fleet["m:no-release"], marker()).get("release") is None


def m_wrong_environment(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _event_for(fleet["m:wrong-environment"], marker())["environment"] == "development"


def m_dev_sends_without_flag(fleet: dict[str, Target], ingest: IngestClient) -> None:
    # fleet["development"] (same mode, unmutated) stays silent: test_modes_that_stay_silent.
    assert _event_for(fleet["m:dev-sends-without-flag"], marker())["environment"] == "development"


def m_profiles_rate_full(fleet: dict[str, Target], ingest: IngestClient) -> None:
    # profileSessionSampleRate is decided once per process: at the mutant's 1.0 this process always
    # profiles its traced requests (the hardened 0.1 profiles one process in ten; the rate is measured
    # over processes by the sampling profile, tests/production/test_plan_promises.py shows its check).
    mark = marker()
    target = fleet["m:profiles-rate-full"]
    for _ in range(3):
        target.http.get("/api/spotify/search", params={"q": "love"}, headers=spotify_headers(mark))
    wait_matching(server(target), lambda i: True, type="profile_chunk", timeout=15)


def m_test_env_sends(fleet: dict[str, Target], ingest: IngestClient) -> None:
    # fleet["test"] (same mode, unmutated) stays silent: test_modes_that_stay_silent.
    assert _event_for(fleet["m:test-env-sends"], marker())["environment"] == "test"


def m_sentry_health_stale(fleet: dict[str, Target], ingest: IngestClient) -> None:
    def last_event(target: Target) -> tuple[str, Any]:
        sent = _event_for(target, marker())["event_id"]
        return sent, target.http.get("/monitoring/sentry-health").json()["lastEvent"]

    sent, answered = last_event(fleet["staging"])
    assert answered == sent
    sent, answered = last_event(fleet["m:sentry-health-stale"])
    assert isinstance(answered, int), answered  # a time in ms, not the event's id


def m_kill_switch_ignored(fleet: dict[str, Target], ingest: IngestClient) -> None:
    def declared(target: Target) -> str:
        mark = marker()
        throw(target, mark)
        [event] = wait_matching(server(target), mentions(mark), type="event")
        return str(envelope_headers(ingest, event)["trace"]["sample_rate"])

    assert (declared(fleet["kill-switch"]), declared(fleet["m:kill-switch-ignored"])) == ("0", "0.1")


def m_health_transactions_kept(fleet: dict[str, Target], ingest: IngestClient) -> None:
    mark = marker()
    control, mutant = fleet["full-rates"], fleet["m:health-transactions-kept"]
    for target in (control, mutant):
        target.http.get("/monitoring/health", headers={"X-Gate-Marker": mark})
        target.http.get("/api/spotify/search", params={"q": "x"}, headers=spotify_headers(mark))
    found = wait_matching(
        server(mutant), lambda i: mark.encode() in i.payload and b"/health" in i.payload, type="transaction"
    )
    assert found
    settled(control)
    names = {i.json()["transaction"] for i in server(control).items("transaction") if mentions(mark)(i)}
    assert names == {"GET /api/spotify/search"}


def m_health_errors_kept(fleet: dict[str, Target], ingest: IngestClient) -> None:
    mark = marker()
    control, mutant = fleet["production"], fleet["m:health-errors-kept"]
    for target in (control, mutant):
        response = target.http.get(
            "/monitoring/health", headers={**target.gate_headers(), "X-Gate-Fault": "throw", "X-Gate-Marker": mark}
        )
        assert response.status_code == 500
    wait_matching(server(mutant), mentions(mark), type="event")
    positive = marker()
    throw(control, positive)
    wait_matching(server(control), mentions(positive), type="event")
    settled(control)
    assert [i for i in server(control).items("event") if mentions(mark)(i)] == []


def m_breadcrumbs_unbounded(fleet: dict[str, Target], ingest: IngestClient) -> None:
    control = _event_for(fleet["production"], marker(), breadcrumbs=80)
    mutant = _event_for(fleet["m:breadcrumbs-unbounded"], marker(), breadcrumbs=80)
    assert len(control["breadcrumbs"]) == 50
    assert len(mutant["breadcrumbs"]) > 50


def m_gate_routes_open(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert fleet["production"].http.post("/__gate/flush").status_code == 404
    assert fleet["m:gate-routes-open"].http.post("/__gate/flush").status_code == 200
    assert fleet["m:gate-routes-open"].http.post("/__gate/fault", json={"kind": "slow", "ms": 0}).status_code == 200


def _login_leaks(target: Target) -> set[str]:
    mark = marker()
    leaky_login(target, mark)
    return leaked(b"".join(i.payload for i in wait_matching(server(target), mentions(mark), type="event")))


def m_headers_not_scrubbed(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _login_leaks(fleet["m:headers-not-scrubbed"]) == {"cookie", "x-forwarded-for"}


def m_query_tokens_kept(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _login_leaks(fleet["m:query-tokens-kept"]) == {"query"}


def m_request_bodies_sent(fleet: dict[str, Target], ingest: IngestClient) -> None:
    assert _login_leaks(fleet["m:request-bodies-sent"]) == {"password", "card"}


def m_maps_served_publicly(fleet: dict[str, Target], ingest: IngestClient) -> None:
    page = fleet["m:maps-served-publicly"].http.get("/").text
    answer = fleet["m:maps-served-publicly"].http.get(f"{script_path(page)}.map")
    assert answer.status_code == 200
    assert answer.json()["mappings"]


def m_blocking_transport(fleet: dict[str, Target], ingest: IngestClient) -> None:
    """Causal, not timed: the ingest holds the error's envelope 2 s and records it only when it answers.

    So when the failing request's answer reaches us, the hardened server (whose transport sends in the
    background) has not had the ingest's answer yet: the event is not recorded; the blocking mutant
    waited for that answer before answering, so its event is recorded by then. The hardened side fails
    only if its 500 takes longer than the 2 s hold after its envelope reached the ingest (it takes
    milliseconds); the mutant's side cannot fail by chance. Both events are then delivered."""
    recorded_when_answered = {}
    for key in ("production", "m:blocking-transport"):
        target = fleet[key]
        fault = server(target).add_fault("latency", latency_ms=2000, count=1)
        mark = marker()
        throw(target, mark)
        recorded_when_answered[key] = any(mentions(mark)(i) for i in server(target).items("event"))
        wait_matching(server(target), mentions(mark), type="event")
        server(target).client.clear_faults(fault["id"])
    assert recorded_when_answered == {"production": False, "m:blocking-transport": True}, recorded_when_answered


def m_rate_limits_ignored(fleet: dict[str, Target], ingest: IngestClient) -> None:
    stored = {}
    for key in ("rate-limit-control", "m:rate-limits-ignored"):
        target = fleet[key]
        server(target).add_fault("status", status=429, retry_after=60, rate_limits="60:error:key", count=1)
        first, second = marker(), marker()
        throw(target, first)
        settled(target)  # the SDK has had the 429 answer
        assert any(r.status == 429 for r in server(target).requests()), key
        throw(target, second)
        settled(target)
        stored[key] = [i for i in server(target).items("event") if mentions(second)(i)]
    assert stored["rate-limit-control"] == []
    assert len(stored["m:rate-limits-ignored"]) == 1


def m_upstream_errors_swallowed(fleet: dict[str, Target], ingest: IngestClient) -> None:
    for key, status in (("production", 503), ("m:upstream-errors-swallowed", 200)):
        target = fleet[key]
        mark = marker()
        answer = target.http.get(
            "/api/spotify/search",
            params={"q": "fault:503"},
            headers={"Authorization": "Bearer fake-1", "X-Gate-Marker": mark},
        )
        assert answer.status_code == status, (key, answer.text)
        if status == 503:
            [event] = wait_matching(server(target), mentions(mark), type="event")
            assert event.json()["tags"]["upstream.status"] == "503"
        else:
            assert answer.json() == {"tracks": {"items": [], "total": 0}}
            settled(target)
            assert [i for i in server(target).items("event") if mentions(mark)(i)] == []


def m_no_upstream_timeout(fleet: dict[str, Target], ingest: IngestClient) -> None:
    def call(key: str) -> tuple[int, float]:
        started = time.monotonic()
        answer = fleet[key].http.get(
            "/api/spotify/search",
            params={"q": "fault:slow:2500"},
            headers={"Authorization": "Bearer fake-1"},
            timeout=20,
        )
        return answer.status_code, time.monotonic() - started

    # Every server here runs with SPOTIFY_TIMEOUT_MS=1000 and the fake Spotify holds the search 2.5 s.
    # Only floors and answers: the control's 504 proves it gave up before the upstream answered (which
    # would have been a 200), after at least its 1 s timeout; the mutant's 200 after the whole 2.5 s
    # proves it waited. Both floors are injected, so a correct build cannot fail them by chance.
    with ThreadPoolExecutor(max_workers=2) as pool:
        control, mutant = pool.map(call, ("production", "m:no-upstream-timeout"))
    assert control[0] == 504, control
    assert control[1] > 0.9, control
    assert mutant[0] == 200, mutant
    assert mutant[1] >= 2.4, mutant


def m_no_flush_on_sigterm(fleet: dict[str, Target], ingest: IngestClient) -> None:
    # Request-mode session aggregates stay in the SDK until it is closed (or 60 s pass): what a clean
    # SIGTERM delivers and an abrupt exit loses.
    codes = {}
    for key in ("sigterm", "m:no-flush-on-sigterm"):
        target = fleet[key]
        for _ in range(3):
            target.http.get("/monitoring/health")
        process = target.process
        assert process is not None
        process.terminate()
        codes[key] = process.popen.wait(10)
    assert codes == {"sigterm": 0, "m:no-flush-on-sigterm": 0}
    wait_matching(server(fleet["sigterm"]), lambda i: True, type="sessions")
    server(fleet["m:no-flush-on-sigterm"]).client.flush()
    assert server(fleet["m:no-flush-on-sigterm"]).items("sessions") == []


def m_slow_traces_sampler(fleet: dict[str, Target], ingest: IngestClient) -> None:
    """See `assert_slow_traces_sampler`: the same lower bounds on either bundled app."""
    assert_slow_traces_sampler(fleet)


SERVER_MUTANTS: dict[str, Callable[[dict[str, Target], IngestClient], None]] = {
    name.removeprefix("m_").replace("_", "-"): fn for name, fn in globals().items() if name.startswith("m_")
}


def test_every_server_mutant_has_a_demonstration() -> None:
    expected = {r["name"] for r in catalogue() if r["express"] == "yes" and r["when"] == "run"}
    assert set(SERVER_MUTANTS) == expected
    assert {k.removeprefix("m:") for k in FLEET if k.startswith("m:")} == expected


@pytest.mark.parametrize("mutant", sorted(SERVER_MUTANTS))
def test_server_mutant_changes_its_behaviour(
    fleet: dict[str, Target], sentry_ingest: IngestClient, mutant: str
) -> None:
    SERVER_MUTANTS[mutant](fleet, sentry_ingest)
