"""Every mutant of targets/MUTANTS.md that the Python twin implements changes the behaviour it names.

Each demonstration sets the mutant beside an unmutated control started the same way and shows the
named property differ, through the ingest or the HTTP answer. The Express server's demonstrations of
the same catalogue live in express_vue/ (written with that server); the catalogue checks here
keep the Python list, the Markdown table and the Python column in step.

To stay fast, every configuration starts at once (a few in parallel) against one fake Spotify; each
test then makes a handful of cheap requests that carry their own markers. Waits are on conditions
with deadlines (the ingest's long-poll, the flush handshake), never sleeps.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.common.prerequisites import unavailable
from harness.ingest import ProjectHandle
from harness.production.items import marked_items
from harness.targets import CLIENT_DIST, FakeSpotify, Target
from harness.targets.fixtures import TargetFactory
from harness.targets.options import DEFAULT_RELEASE
from targets.python_api.client import browser_config
from targets.python_api.settings import BUILD_MUTANTS, MUTANTS, read_settings

from .support import (
    FULL_RATES,
    MUTANT_FLEET,
    assert_slow_traces_sampler,
    catalogue,
    envelope_headers,
    in_parallel,
    marked,
    new_marker,
    stored_item_for,
    wait_marked,
)

CANARY = "mutcanary"


# ---- the catalogue ----------------------------------------------------------------------------------


def python_rows(when: str) -> set[str]:
    return {r["name"] for r in catalogue() if r["python"] == "yes" and r["when"] == when}


def test_python_knows_exactly_the_catalogue() -> None:
    rows = catalogue()
    assert len(rows) >= 25
    assert sorted(MUTANTS) == sorted(r["name"] for r in rows)
    assert sorted(BUILD_MUTANTS) == sorted(r["name"] for r in rows if r["when"] == "build")


def test_client_and_pipeline_mutants_pass_through_to_the_page_untouched() -> None:
    """Mutants the Python server does not implement still start it, and reach the page by name."""
    for row in catalogue():
        if row["python"] == "-" and row["when"] == "run":
            assert browser_config(read_settings({"GATE_MUTANT": row["name"]}))["mutant"] == row["name"]


# ---- the fleet --------------------------------------------------------------------------------------

# key -> TargetFactory keyword arguments. Controls first, then one per run-time Python mutant.
FLEET: dict[str, dict[str, Any]] = {
    "production": {},
    "full-rates": {"extra_env": FULL_RATES},
    "kill-switch": {"extra_env": {"SENTRY_TRACES_SAMPLE_RATE": "0"}},
    "development": {"environment": "development"},
    "sigterm": {},
    "rate-limited": {},  # its own control: a 60 s rate limit would silence "production" for later tests
    **MUTANT_FLEET,
}


@pytest.fixture(scope="module")
def spotify(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSpotify]:
    fake = FakeSpotify.start(tmp_path_factory.mktemp("spotify"))
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def start(target_factory: TargetFactory, spotify: FakeSpotify) -> Callable[..., Target]:
    def start(**kwargs: Any) -> Target:
        return target_factory("python-api", spotify_url=spotify.url, **kwargs)

    return start


@pytest.fixture(scope="module")
def fleet(start: Callable[..., Target]) -> dict[str, Target]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {key: pool.submit(start, **kwargs) for key, kwargs in FLEET.items()}
        return {key: f.result() for key, f in futures.items()}


def server(target: Target) -> ProjectHandle:
    assert target.server_project is not None
    return target.server_project


def settled(target: Target) -> None:
    """The flush handshake: the server SDK has sent what it holds, and the ingest has stored it."""
    target.flush()
    server(target).client.flush()


def throw(target: Target, marker: str, **params: Any) -> dict[str, Any]:
    """Inject an exception and return its event as stored."""
    assert target.fault("throw", marker, **params).status_code == 500
    target.flush()
    return wait_marked(server(target), marker)


def declared_rate(target: Target) -> float:
    """The ``sample_rate`` the SDK declared in the trace header of an error's envelope."""
    marker = new_marker("rate")
    throw(target, marker)
    item = stored_item_for(server(target), marker)
    return float(envelope_headers(server(target).client, item)["trace"]["sample_rate"])


def leaky_requests(target: Target, marker: str) -> None:
    """Secrets in a header, a query string and a login body, each request failing so an event is sent."""
    gate = {**target.gate_headers(), "X-Gate-Fault": "throw", "X-Gate-Marker": marker}
    target.http.get(
        f"/api/auth/callback?code={CANARY}-query&state=s",
        headers={**gate, "X-Forwarded-For": f"{CANARY}-xff"},
    )
    body = {"email": "a@b.test", "password": f"{CANARY}-password", "cardNumber": "4111111111111111"}
    target.http.post("/api/login", json=body, headers=gate)


def leaks(target: Target) -> set[str]:
    marker = new_marker("leak")
    leaky_requests(target, marker)
    settled(target)
    text = json.dumps(marked(server(target).items(type="event"), marker))
    found = {kind for kind in ("xff", "query", "password") if f"{CANARY}-{kind}" in text}
    return found | ({"card"} if "4111111111111111" in text else set())


# ---- demonstrations, one per Python mutant ------------------------------------------------------------


def m_traces_rate_full(fleet: dict[str, Target]) -> None:
    assert (declared_rate(fleet["production"]), declared_rate(fleet["m:traces-rate-full"])) == (0.1, 1.0)


def m_profiling_off(fleet: dict[str, Target]) -> None:
    marker = new_marker("profiled")
    for key in ("full-rates", "m:profiling-off"):
        # 200 ms inside one transaction: enough samples for the profiler (100 Hz) to send a profile.
        fleet[key].http.get("/api/spotify/search", params={"q": "fault:slow:200"}, headers={"X-Gate-Marker": marker})
        settled(fleet[key])
    server(fleet["full-rates"]).wait_for_items(type="profile", timeout=10)
    assert wait_marked(server(fleet["m:profiling-off"]), marker, type="transaction")  # traced, though
    assert server(fleet["m:profiling-off"]).items(type="profile") == []


def m_profiles_rate_full(fleet: dict[str, Target]) -> None:
    # Traced at 1, profiled at the mutant's 1.0: every one of 5 transactions brings a profile (at the
    # hardened 0.1 all 5 would with P = 1e-5; tests/production/test_plan_promises.py measures both).
    marker = new_marker("profrate")
    target = fleet["m:profiles-rate-full"]
    for _ in range(5):
        target.http.get("/api/spotify/search", params={"q": "fault:slow:200"}, headers={"X-Gate-Marker": marker})
    settled(target)
    traced = marked_items(server(target).wait_for_items(type="transaction", count=5), marker, ("transaction",))
    assert len(traced) == 5
    assert len(server(target).wait_for_items(type="profile", count=5, timeout=10)) >= 5


def m_no_release(fleet: dict[str, Target]) -> None:
    assert throw(fleet["production"], new_marker("rel")).get("release") == DEFAULT_RELEASE
    event = throw(fleet["m:no-release"], new_marker("norel"))
    assert event.get("release") is None
    item = stored_item_for(server(fleet["m:no-release"]), tagged_marker(event))
    assert "release" not in envelope_headers(server(fleet["m:no-release"]).client, item)["trace"]


def tagged_marker(event: dict[str, Any]) -> str:
    marker: str = event["tags"]["gate.marker"]
    return marker


def m_wrong_environment(fleet: dict[str, Target]) -> None:
    assert throw(fleet["production"], new_marker("env"))["environment"] == "production"
    assert throw(fleet["m:wrong-environment"], new_marker("env"))["environment"] == "development"
    assert declared_rate(fleet["m:wrong-environment"]) == 0.1  # the mode's rates stay production's


def m_dev_sends_without_flag(fleet: dict[str, Target]) -> None:
    silent, mutant = fleet["development"], fleet["m:dev-sends-without-flag"]
    assert silent.fault("throw", new_marker("dev")).status_code == 500
    assert silent.flush() == {"flushed": True, "enabled": False}
    assert throw(mutant, new_marker("dev"))["environment"] == "development"
    assert server(silent).requests() == []


def m_test_env_sends(fleet: dict[str, Target]) -> None:
    assert throw(fleet["m:test-env-sends"], new_marker("testenv"))["environment"] == "test"


def m_sentry_health_stale(fleet: dict[str, Target]) -> None:
    def last_event(target: Target) -> tuple[str, Any]:
        sent = throw(target, new_marker("lastevent"))["event_id"]
        return sent, target.http.get("/monitoring/sentry-health").json()["lastEvent"]

    sent, answered = last_event(fleet["production"])
    assert answered == sent
    sent, answered = last_event(fleet["m:sentry-health-stale"])
    assert isinstance(answered, int), answered  # a time in ms, not the event's id


def m_kill_switch_ignored(fleet: dict[str, Target]) -> None:
    assert (declared_rate(fleet["kill-switch"]), declared_rate(fleet["m:kill-switch-ignored"])) == (0.0, 0.1)


def m_health_transactions_kept(fleet: dict[str, Target]) -> None:
    marker = new_marker("health")
    control, mutant = fleet["full-rates"], fleet["m:health-transactions-kept"]
    for target in (control, mutant):
        for path in ("/monitoring/health", "/monitoring/metrics", "/monitoring/sentry-health"):
            target.http.get(path, headers={"X-Gate-Marker": marker})
        settled(target)

    def names(target: Target) -> set[str]:
        return {t["transaction"] for t in marked(server(target).items(type="transaction"), marker)}

    assert names(control) == {"/monitoring/sentry-health"}  # the positive control: traced and sent
    assert names(mutant) == {"/monitoring/health", "/monitoring/metrics", "/monitoring/sentry-health"}


def m_health_errors_kept(fleet: dict[str, Target]) -> None:
    marker = new_marker("health-error")
    control, mutant = fleet["production"], fleet["m:health-errors-kept"]
    for target in (control, mutant):
        headers = {**target.gate_headers(), "X-Gate-Fault": "throw", "X-Gate-Marker": marker}
        assert target.http.get("/monitoring/health", headers=headers).status_code == 500
        target.flush()
    wait_marked(server(mutant), marker)
    throw(control, new_marker("positive"))  # the control does send errors
    assert marked(server(control).items(type="event"), marker) == []


def m_breadcrumbs_unbounded(fleet: dict[str, Target]) -> None:
    control = throw(fleet["production"], new_marker("crumbs"), breadcrumbs=80)
    mutant = throw(fleet["m:breadcrumbs-unbounded"], new_marker("crumbs"), breadcrumbs=80)
    assert len(control["breadcrumbs"]["values"]) == 50
    assert len(mutant["breadcrumbs"]["values"]) > 50


def m_gate_routes_open(fleet: dict[str, Target]) -> None:
    assert fleet["production"].http.post("/__gate/flush").status_code == 404
    assert fleet["m:gate-routes-open"].http.post("/__gate/flush").status_code == 200
    assert fleet["m:gate-routes-open"].http.post("/__gate/fault", json={"kind": "slow", "ms": 0}).status_code == 200


def m_headers_not_scrubbed(fleet: dict[str, Target]) -> None:
    assert leaks(fleet["production"]) == set()
    assert "xff" in leaks(fleet["m:headers-not-scrubbed"])


def m_query_tokens_kept(fleet: dict[str, Target]) -> None:
    assert leaks(fleet["m:query-tokens-kept"]) == {"query"}


def m_request_bodies_sent(fleet: dict[str, Target]) -> None:
    # The body travels again; its "password" field is still masked by the Python SDK's own default
    # scrubber (the Node SDK has none), so the card number is what shows the leak here.
    assert leaks(fleet["m:request-bodies-sent"]) == {"card"}


def m_maps_served_publicly(fleet: dict[str, Target]) -> None:
    if not (CLIENT_DIST / "index.html").is_file():
        unavailable("the client is not built (targets/express_vue/build.sh)")
    page = fleet["production"].http.get("/").text
    found = re.search(r'src="(/assets/[\w.-]+\.js)"', page)
    assert found, page[:500]
    assert fleet["production"].http.get(f"{found.group(1)}.map").status_code == 404
    answer = fleet["m:maps-served-publicly"].http.get(f"{found.group(1)}.map")
    assert answer.status_code == 200
    assert answer.json()["mappings"]


def m_blocking_transport(fleet: dict[str, Target]) -> None:
    """Causal, not timed: the ingest holds the event's envelope 2 s and records it only when it answers.

    A logged error queues an event inside the request. When the request's answer reaches us, the
    hardened server (whose transport sends in the background) has not had the ingest's answer yet, so
    the event is not recorded; the blocking mutant waited for that answer first, so its event is. The
    hardened side fails only if its answer takes longer than the 2 s hold after its envelope reached the
    ingest (it takes milliseconds); the mutant's side cannot fail by chance. Both are then delivered."""
    recorded_when_answered = {}
    for key in ("production", "m:blocking-transport"):
        target = fleet[key]
        fault = server(target).add_fault("latency", latency_ms=2000, count=1)
        marker = new_marker("block")
        assert target.fault("log-error", marker).status_code == 200
        recorded_when_answered[key] = bool(marked(server(target).items(type="event"), marker))
        settled(target)
        assert marked(server(target).items(type="event"), marker), key
        server(target).client.clear_faults(fault["id"])
    assert recorded_when_answered == {"production": False, "m:blocking-transport": True}, recorded_when_answered


def m_rate_limits_ignored(fleet: dict[str, Target]) -> None:
    stored = {}
    for key in ("rate-limited", "m:rate-limits-ignored"):
        target = fleet[key]
        server(target).add_fault("status", status=429, retry_after=60, rate_limits="60:error:key", count=1)
        first, second = new_marker("limited"), new_marker("after")
        assert target.fault("throw", first).status_code == 500
        settled(target)  # the SDK has had the 429 answer
        assert any(r.status == 429 for r in server(target).requests()), key
        assert target.fault("throw", second).status_code == 500
        settled(target)
        stored[key] = marked(server(target).items(type="event"), second)
    assert stored["rate-limited"] == []
    assert len(stored["m:rate-limits-ignored"]) == 1


def m_upstream_errors_swallowed(fleet: dict[str, Target]) -> None:
    for key, status in (("production", 503), ("m:upstream-errors-swallowed", 200)):
        target, marker = fleet[key], new_marker("upstream")
        answer = target.http.get(
            "/api/spotify/search",
            params={"q": "fault:503"},
            headers={"Authorization": "Bearer fake-1", "X-Gate-Marker": marker},
        )
        assert answer.status_code == status, (key, answer.text)
        settled(target)
        events = marked(server(target).items(type="event"), marker)
        if status == 503:
            assert [e["tags"]["upstream.status"] for e in events] == ["503"]
        else:
            assert answer.json() == {"tracks": {"items": [], "total": 0}}
            assert events == []


def m_no_upstream_timeout(fleet: dict[str, Target]) -> None:
    def call(key: str) -> Callable[[], tuple[int, float]]:
        def run() -> tuple[int, float]:
            started = time.monotonic()
            answer = fleet[key].http.get(
                "/api/spotify/search",
                params={"q": "fault:slow:5600"},
                headers={"Authorization": "Bearer fake-1"},
                timeout=20,
            )
            return answer.status_code, time.monotonic() - started

        return run

    control, mutant = in_parallel(call("production"), call("m:no-upstream-timeout"))
    # Only floors and answers: the 504 proves the control gave up before the upstream answered (that
    # would have been a 200), after its own 5 s timeout; the mutant's 200 after the whole 5.6 s proves it
    # waited. Both floors are injected, so a correct build cannot fail them by chance.
    assert control[0] == 504, control
    assert control[1] > 4.5, control
    assert mutant[0] == 200, mutant
    assert mutant[1] >= 5.6, mutant  # waited for the slow upstream


def m_no_flush_on_sigterm(fleet: dict[str, Target]) -> None:
    # Request-mode session aggregates stay in the SDK until it is closed (or 60 s pass): what a clean
    # SIGTERM delivers and an abrupt exit loses.
    codes = {}
    for key in ("sigterm", "m:no-flush-on-sigterm"):
        target = fleet[key]
        for _ in range(3):
            assert target.http.get("/monitoring/health").status_code == 200
        process = target.process
        assert process is not None
        process.terminate()
        codes[key] = process.popen.wait(10)
    assert codes == {"sigterm": 0, "m:no-flush-on-sigterm": 0}
    server(fleet["sigterm"]).wait_for_items(type="sessions", timeout=10)
    assert server(fleet["m:no-flush-on-sigterm"]).items(type="sessions") == []


def m_slow_traces_sampler(fleet: dict[str, Target]) -> None:
    """See `assert_slow_traces_sampler`: the same lower bounds on either bundled app."""
    assert_slow_traces_sampler(fleet)


PYTHON_MUTANTS: dict[str, Callable[[dict[str, Target]], None]] = {
    name.removeprefix("m_").replace("_", "-"): fn for name, fn in globals().items() if name.startswith("m_")
}


def test_every_python_mutant_has_a_demonstration() -> None:
    assert set(PYTHON_MUTANTS) == python_rows("run")
    assert {k.removeprefix("m:") for k in FLEET if k.startswith("m:")} == python_rows("run")
    assert python_rows("build") == set(BUILD_MUTANTS)


@pytest.mark.parametrize("mutant", sorted(PYTHON_MUTANTS))
def test_python_mutant_changes_its_behaviour(fleet: dict[str, Target], mutant: str) -> None:
    PYTHON_MUTANTS[mutant](fleet)


@pytest.mark.parametrize("mutant", sorted(BUILD_MUTANTS))
def test_build_time_mutant_is_served(start: Callable[..., Target], mutant: str) -> None:
    dist = CLIENT_DIST.with_name(f"dist-{mutant}")
    if not (dist / "index.html").is_file():
        unavailable(f"{dist} is not built (targets/express_vue/build.sh {mutant})")
    target = start(mutant=mutant)
    page = target.http.get("/").text
    found = re.search(r'src="(/assets/[\w.-]+\.js)"', page)
    assert found, page[:500]
    code = target.http.get(found.group(1)).text
    if mutant == "maps-referenced":
        assert "//# sourceMappingURL=" in code
    else:
        assert "//# debugId=" not in code
