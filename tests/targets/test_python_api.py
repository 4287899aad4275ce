"""The Python twin (targets/python_api): its settings, SDK decisions, scrubbers, routes and shutdown.

Pure parts and the ASGI app run in-process without an SDK (no global state touched); what the SDK
sends is checked against one running process in production, through the ingest, with many cheap
requests that each carry their own marker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration
from sentry_sdk.integrations.stdlib import StdlibIntegration

from harness.targets import Target
from harness.targets.fixtures import TargetFactory
from harness.targets.paths import REPO_ROOT
from targets.python_api.app import create_app
from targets.python_api.client import PLACEHOLDER, inject_config
from targets.python_api.scrub import filter_event_queries, filter_url, filter_urls_in_text, remove_headers
from targets.python_api.sentry_setup import init_options, is_enabled, known_integrations
from targets.python_api.settings import ConfigError, Settings, read_settings

from .support import FULL_RATES, marked, new_marker, wait_marked

pytestmark = pytest.mark.anyio

CANARY = "canary-7f3a9c"


def settings(**env: str) -> Settings:
    return read_settings({"SENTRY_DSN": "http://k@127.0.0.1:1/1", **env})


# ---- settings --------------------------------------------------------------------------------------


def test_settings_defaults_and_derivations() -> None:
    s = read_settings({"SPOTIFY_API_URL": "http://127.0.0.1:5/v1/"})
    assert (s.environment, s.variant, s.mutant, s.port, s.host) == ("development", "hardened", None, 0, "127.0.0.1")
    assert (s.spotify_api_url, s.spotify_accounts_url) == ("http://127.0.0.1:5/v1", "http://127.0.0.1:5")
    assert read_settings({"NODE_ENV": "staging"}).environment == "staging"
    assert read_settings({"NODE_ENV": "staging", "SENTRY_ENVIRONMENT": "production"}).environment == "production"
    assert read_settings({"SENTRY_REPLAY": "off"}).browser_overrides["replay"] is False
    assert read_settings({"SENTRY_TRACES_SAMPLE_RATE": "0"}).traces_override == 0.0
    assert read_settings({"GATE_CLIENT_DIST": "/x/y"}).client_dist == Path("/x/y")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GATE_MUTANT": "no-such-mutant"}, "not in targets/MUTANTS.md"),
        ({"GATE_VARIANT": "loose"}, "hardened or seed"),
        ({"SENTRY_TRACES_SAMPLE_RATE": "1.5"}, "rate between 0 and 1"),
        ({"SENTRY_PROFILES_SAMPLE_RATE": "x"}, "rate between 0 and 1"),
        ({"SENTRY_REPLAY": "maybe"}, "on/off"),
        ({"SENTRY_TRACING": "maybe"}, "SENTRY_TRACING=maybe is not on/off"),
        ({"SENTRY_DEFAULT_INTEGRATIONS": "some"}, "SENTRY_DEFAULT_INTEGRATIONS=some is not on/off"),
        ({"GATE_MUTANT_DELAY_MS": "-1"}, "GATE_MUTANT_DELAY_MS"),
    ],
)
def test_settings_refuse_what_they_cannot_be(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_settings(env)


def test_unknown_mutant_stops_the_start_with_exit_code_2() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "GATE_MUTANT": "typo-mutant"}
    argv = [sys.executable, "-m", "targets.python_api"]
    done = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert "GATE_MUTANT=typo-mutant" in done.stderr


# ---- SDK decisions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "traces", "profiles", "crumbs"),
    [("production", 0.1, 0.1, 50), ("staging", 0.5, 0.5, 100), ("development", 1.0, 1.0, 100), ("qa", 1.0, 1.0, 100)],
)
def test_plan_rates_per_mode(environment: str, traces: float, profiles: float, crumbs: int) -> None:
    options = init_options(settings(SENTRY_ENVIRONMENT=environment, SENTRY_RELEASE="r1"))
    assert (options["traces_sample_rate"], options["profiles_sample_rate"]) == (traces, profiles)
    assert options["max_breadcrumbs"] == crumbs
    assert (options["environment"], options["release"], options["trace_lifecycle"]) == (environment, "r1", "static")


def test_who_sends_at_all() -> None:
    assert is_enabled(settings(SENTRY_ENVIRONMENT="production"))
    assert not is_enabled(settings(SENTRY_ENVIRONMENT="test"))
    assert not is_enabled(settings(SENTRY_ENVIRONMENT="development"))
    assert not is_enabled(settings(SENTRY_ENVIRONMENT="development", ENABLE_SENTRY="1"))  # only "true"
    assert is_enabled(settings(SENTRY_ENVIRONMENT="development", ENABLE_SENTRY="true"))
    assert not is_enabled(read_settings({"SENTRY_ENVIRONMENT": "production"}))  # no DSN


def test_overrides_are_the_kill_switch() -> None:
    options = init_options(settings(SENTRY_TRACES_SAMPLE_RATE="0", SENTRY_PROFILES_SAMPLE_RATE="0"))
    assert (options["traces_sample_rate"], options["profiles_sample_rate"]) == (0.0, 0.0)


# ---- attribution switches (SENTRY_TRACING, SENTRY_DEFAULT_INTEGRATIONS, SENTRY_DISABLED_INTEGRATIONS) ----

_TRACING_KEYS = {"traces_sample_rate", "traces_sampler", "profiles_sample_rate"}


def test_switch_defaults_and_parsing() -> None:
    s = settings()
    assert (s.tracing, s.default_integrations, s.disabled_integrations) == (True, True, ())
    assert not settings(SENTRY_TRACING="OFF").tracing
    assert settings(SENTRY_TRACING="yes").tracing
    assert not settings(SENTRY_DEFAULT_INTEGRATIONS="0").default_integrations
    assert settings(SENTRY_DISABLED_INTEGRATIONS=" logging, ,stdlib,logging ").disabled_integrations == (
        "logging",
        "stdlib",
    )
    assert settings(SENTRY_DISABLED_INTEGRATIONS=" ").disabled_integrations == ()


@pytest.mark.parametrize(
    "env",
    [{}, FULL_RATES, {"GATE_MUTANT": "slow-traces-sampler"}, {"SENTRY_ENVIRONMENT": "development"}],
    ids=["plain", "rates-1", "slow-traces-sampler", "development"],
)
def test_tracing_switch_off_leaves_no_traces_or_profiles_key(env: dict[str, str]) -> None:
    on = init_options(settings(ENABLE_SENTRY="true", **env))
    assert {"traces_sample_rate", "profiles_sample_rate"} <= on.keys()  # the control: the same, tracing on
    off = init_options(settings(ENABLE_SENTRY="true", SENTRY_TRACING="off", **env))
    assert not _TRACING_KEYS & off.keys()
    assert off["before_send"] is not None  # errors still go
    assert {k: v for k, v in off.items() if not callable(v) and k != "integrations"} == {
        k: v for k, v in on.items() if not callable(v) and k not in _TRACING_KEYS | {"integrations"}
    }


def test_default_integrations_switch_keeps_only_ours() -> None:
    options = init_options(settings(SENTRY_DEFAULT_INTEGRATIONS="off"))
    assert (options["default_integrations"], options["auto_enabling_integrations"]) == (False, False)
    assert [i.identifier for i in options["integrations"]] == ["starlette", "asyncio"]
    default = init_options(settings())
    assert (options["traces_sample_rate"], options["profiles_sample_rate"]) == (1.0, 1.0)  # tracing untouched
    assert not {"default_integrations", "auto_enabling_integrations", "disabled_integrations"} & default.keys()


def test_disabled_integrations_switch_resolves_identifiers_to_classes() -> None:
    options = init_options(settings(SENTRY_DISABLED_INTEGRATIONS="logging, starlette,stdlib"))
    assert options["disabled_integrations"] == [LoggingIntegration, StarletteIntegration, StdlibIntegration]
    assert [i.identifier for i in options["integrations"]] == ["asyncio"]  # our starlette dropped too
    known = known_integrations()
    defaults = {"argv", "atexit", "dedupe", "excepthook", "logging", "modules", "stdlib", "threading"}
    assert defaults | {"starlette", "asyncio", "httpx"} <= known.keys()
    assert all(cls.identifier == name for name, cls in known.items())


def test_disabled_integrations_switch_refuses_an_unknown_name() -> None:
    with pytest.raises(ConfigError, match=r"unknown integration\(s\) Logging, nope; known: .*\blogging\b"):
        init_options(settings(SENTRY_DISABLED_INTEGRATIONS="Logging,nope,stdlib"))


def test_unknown_integration_switch_stops_the_start_with_exit_code_2() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "SENTRY_DISABLED_INTEGRATIONS": "stdlib,no-such-integration"}
    argv = [sys.executable, "-m", "targets.python_api"]
    done = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2, done.stderr
    assert "no-such-integration" in done.stderr
    assert "known: " in done.stderr
    assert "Traceback" not in done.stderr


def _event(url: str = "http://127.0.0.1/api/spotify/search?q=x") -> dict[str, Any]:
    headers = {
        "Authorization": "Bearer a",
        "cookie": "c",
        "X-Api-Key": "k",
        "x-forwarded-for": "1.2.3.4",
        "accept": "*",
    }
    return {
        "request": {"url": url, "query_string": f"q={CANARY}&state=s", "headers": headers},
        "breadcrumbs": {
            "values": [{"category": "httplib", "data": {"url": "http://u/p", "http.query": f"t={CANARY}"}}]
        },
    }


def test_hardened_before_send_scrubs_in_every_mode_and_seed_follows_the_plan() -> None:
    for environment in ("production", "staging"):
        hardened = init_options(settings(SENTRY_ENVIRONMENT=environment))["before_send"](_event(), {})
        assert hardened["request"]["headers"] == {"accept": "*"}
        assert CANARY not in json.dumps(hardened)
        assert hardened["request"]["query_string"] == "q=[Filtered]&state=[Filtered]"
    seed = init_options(settings(SENTRY_ENVIRONMENT="staging", GATE_VARIANT="seed"))["before_send"](_event(), {})
    assert set(seed["request"]["headers"]) == {"X-Api-Key", "x-forwarded-for", "accept"}  # the plan's staging gap
    assert CANARY in json.dumps(seed)


def test_production_drops_health_errors_and_hardened_drops_health_transactions() -> None:
    production = init_options(settings(SENTRY_ENVIRONMENT="production"))
    assert production["before_send"](_event("http://h/monitoring/health"), {}) is None
    staging = init_options(settings(SENTRY_ENVIRONMENT="staging"))
    assert staging["before_send"](_event("http://h/monitoring/health"), {}) is not None
    drop = production["before_send_transaction"]
    assert drop({"transaction": "/monitoring/metrics"}, {}) is None
    assert drop({"transaction": "/api/spotify/me"}, {}) == {"transaction": "/api/spotify/me"}
    seed = init_options(settings(SENTRY_ENVIRONMENT="production", GATE_VARIANT="seed"))
    assert "before_send_transaction" not in seed
    assert "max_request_body_size" not in seed  # the SDK default: bodies travel (the plan never said otherwise)
    assert production["max_request_body_size"] == "never"


def test_scrubbers_match_the_express_twin() -> None:
    assert filter_url("/cb?code=abc&state=x#frag") == "/cb?code=[Filtered]&state=[Filtered]"
    assert filter_url("/plain") == "/plain"
    filtered = filter_urls_in_text("GET http://h/p?a=1 then /q?b=2&c")
    assert filtered == "GET http://h/p?a=[Filtered] then /q?b=[Filtered]&c=[Filtered]"
    event = {"spans": [{"description": "GET /x?token=t", "data": {"url.query": "?token=t"}}], "transaction": "/y?z=1"}
    filter_event_queries(event)
    assert event == {
        "spans": [{"description": "GET /x?token=[Filtered]", "data": {"url.query": "?token=[Filtered]"}}],
        "transaction": "/y?z=[Filtered]",
    }
    odd: dict[str, Any] = {"request": "not a dict", "breadcrumbs": None}
    remove_headers(odd, ("authorization",))
    assert filter_event_queries(odd) == {"request": "not a dict", "breadcrumbs": None}


def test_injected_config_cannot_break_out_of_its_script() -> None:
    html = inject_config(f"<head>{PLACEHOLDER}</head>", {"dsn": "</script><script>alert(1)</script>", "n": "\u2028"})
    assert "</script><script>" not in html
    assert html.startswith("<head><script>window.__GATE_CONFIG__ = {")


# ---- the ASGI app in-process (no SDK) --------------------------------------------------------------


@pytest.fixture
async def app_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(f"<html><head>{PLACEHOLDER}</head><body></body></html>")
    (dist / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (dist / "assets" / "app-1a2b.js.map").write_text("{}")
    (dist / "favicon.ico").write_text("icon")
    s = read_settings(
        {
            "GATE_FAULT_TOKEN": "tok",
            "GATE_CLIENT_DIST": str(dist),
            "SENTRY_DSN_BROWSER": "http://b@127.0.0.1:1/2",
            "SENTRY_ENVIRONMENT": "staging",
            "SENTRY_RELEASE": "r9",
        }
    )
    transport = httpx.ASGITransport(app=create_app(s, sentry_enabled=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


async def test_pages_get_the_injected_config_and_maps_stay_hidden(app_client: httpx.AsyncClient) -> None:
    for path in ("/", "/login", "/profile", "/search", "/tracks/abc", "/media", "/errors"):
        page = await app_client.get(path)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
    config = json.loads(page.text.split("window.__GATE_CONFIG__ = ")[1].split("</script>")[0])
    assert config == {
        "dsn": "http://b@127.0.0.1:1/2",
        "environment": "staging",
        "release": "r9",
        "enableSentry": False,
        "variant": "hardened",
        "mutant": None,
        "overrides": {
            "tracesSampleRate": None,
            "replaysSessionSampleRate": None,
            "replaysOnErrorSampleRate": None,
            "replay": None,
        },
    }
    asset = await app_client.get("/assets/app-1a2b.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    for hidden in ("/assets/app-1a2b.js.map", "/assets/../index.html", "/favicon.ico", "/nope", "/api/nope"):
        answer = await app_client.get(hidden)
        assert answer.status_code == 404, hidden
        assert answer.json() == {"error": {"status": 404, "message": "Not Found"}}


async def test_gate_routes_need_the_token(app_client: httpx.AsyncClient) -> None:
    body = {"kind": "status500", "marker": "m"}
    assert (await app_client.post("/__gate/fault", json=body)).status_code == 404
    assert (await app_client.post("/__gate/fault", json=body, headers={"X-Gate-Token": "wrong"})).status_code == 404
    assert (await app_client.post("/__gate/flush")).status_code == 404
    token = {"X-Gate-Token": "tok"}
    answer = await app_client.post("/__gate/fault", json=body, headers=token)
    assert answer.status_code == 500
    assert answer.json() == {"ok": False, "kind": "status500", "marker": "m"}
    assert (await app_client.post("/__gate/fault", json={"kind": "slow", "ms": 5}, headers=token)).json()["ms"] == 5
    assert (await app_client.post("/__gate/fault", json={"kind": "boom"}, headers=token)).status_code == 400
    assert (await app_client.post("/__gate/flush", headers=token)).json() == {"flushed": True, "enabled": False}
    # X-Gate-Fault is ignored without the token, and applies with it.
    assert (await app_client.get("/monitoring/health", headers={"X-Gate-Fault": "throw"})).status_code == 200
    failed = await app_client.get("/monitoring/health", headers={"X-Gate-Fault": "throw", **token})
    assert failed.status_code == 500
    assert failed.json() == {"error": {"status": 500, "message": "Internal Server Error"}}


async def test_monitoring_and_login_answer_the_plan_shapes(app_client: httpx.AsyncClient) -> None:
    health = (await app_client.get("/monitoring/health")).json()
    assert health["status"] == "healthy"
    assert health["version"] == "r9"
    assert health["sentry"] == {"enabled": False, "environment": "staging"}
    sentry_health = (await app_client.get("/monitoring/sentry-health")).json()
    assert sentry_health["configuration"] == {"dsn": False, "environment": "staging", "release": "r9"}
    assert {"uptime", "memory", "cpu", "timestamp"} <= (await app_client.get("/monitoring/metrics")).json().keys()
    ok = await app_client.post("/api/login", json={"email": "ada.lovelace@x.test", "password": "12345678"})
    assert ok.json()["user"] == {"name": "Ada Lovelace", "email": "ada.lovelace@x.test"}
    assert ok.json()["token"].startswith("session-")
    assert (await app_client.post("/api/login", json={"email": "ada", "password": "12345678"})).status_code == 400
    assert (await app_client.post("/api/login", content=b"not json")).status_code == 400
    assert (await app_client.get("/api/spotify/search")).json()["error"]["message"] == "q is required"
    assert (await app_client.get("/api/auth/callback?code=c")).status_code == 400


# ---- one running instance, production, through the ingest ------------------------------------------


@pytest.fixture(scope="module")
def api(target_factory: TargetFactory) -> Target:
    return target_factory("python-api", environment="production")


def _get(t: Target, path: str, marker: str, *, fault: bool = False, **kwargs: Any) -> httpx.Response:
    headers = {"X-Gate-Marker": marker, **kwargs.pop("headers", {})}
    if fault:
        headers |= {"X-Gate-Fault": "throw", "X-Gate-Token": t.options.fault_token or ""}
    return t.http.get(path, headers=headers, **kwargs)


def _server(t: Target) -> Any:
    assert t.server_project is not None
    return t.server_project


def test_secrets_in_headers_queries_and_bodies_stay_home(api: Target) -> None:
    marker = new_marker("privacy")
    secrets = {
        "Authorization": f"Bearer {CANARY}-auth",
        "Cookie": f"sid={CANARY}-cookie",
        "X-Api-Key": f"{CANARY}-key",
        "X-Forwarded-For": f"{CANARY}-xff",
    }
    answer = _get(
        api, f"/api/auth/callback?code={CANARY}-code&state={CANARY}-state", marker, fault=True, headers=secrets
    )
    assert answer.status_code == 500
    login_marker = new_marker("login")
    headers = {"X-Gate-Marker": login_marker, "X-Gate-Fault": "throw", "X-Gate-Token": api.options.fault_token or ""}
    card = {"email": "a@b.test", "password": f"{CANARY}-password", "cardNumber": "4111111111111111"}
    assert api.http.post("/api/login", json=card, headers=headers).status_code == 500
    api.flush()
    event = wait_marked(_server(api), marker)
    assert event["request"]["query_string"] == "code=[Filtered]&state=[Filtered]"
    login = wait_marked(_server(api), login_marker)
    assert "data" not in login["request"]
    stored = json.dumps([i.json() for i in _server(api).items() if marked([i], marker) or marked([i], login_marker)])
    assert CANARY not in stored
    assert "4111111111111111" not in stored


def test_upstream_failures_are_answered_and_captured(api: Target) -> None:
    assert api.spotify is not None
    bearer = {"Authorization": "Bearer fake-user-token"}
    markers = {status: new_marker(f"upstream-{status}") for status in ("429", "503", "401")}
    limited = _get(api, "/api/spotify/search", markers["429"], params={"q": "fault:429:7"}, headers=bearer)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "7")
    assert (
        _get(api, "/api/spotify/search", markers["503"], params={"q": "fault:503"}, headers=bearer).status_code == 503
    )
    assert (
        _get(api, "/api/spotify/search", markers["401"], params={"q": "fault:expired"}, headers=bearer).status_code
        == 401
    )
    ok = _get(api, "/api/spotify/search", new_marker("ok"), params={"q": "midnight"}, headers=bearer)
    assert ok.status_code == 200
    assert ok.json()["tracks"]["items"]
    # The user's bearer token went upstream as it came.
    assert api.spotify.requests()[-1]["headers"]["authorization"] == "Bearer fake-user-token"
    api.flush()
    for status, marker in markers.items():
        event = wait_marked(_server(api), marker)
        assert event["tags"]["upstream.status"] == status
        assert event["level"] == ("warning" if status == "401" else "error")


def test_every_fault_kind_reaches_the_ingest_with_its_marker(api: Target) -> None:
    markers = {kind: new_marker(kind) for kind in ("throw", "reject", "log-error")}
    for kind, marker in markers.items():
        api.fault(kind, marker, breadcrumbs=60)
    api.flush()
    for kind, marker in markers.items():
        event = wait_marked(_server(api), marker)
        assert f"gate fault {kind} {marker}" in json.dumps(event)
        if kind == "throw":
            assert len(event["breadcrumbs"]["values"]) == 50  # production keeps 50


def test_health_errors_are_dropped_in_production_beside_a_control(api: Target) -> None:
    health_marker, control_marker = new_marker("health"), new_marker("control")
    assert _get(api, "/monitoring/health", health_marker, fault=True).status_code == 500
    assert _get(api, "/monitoring/sentry-health", control_marker, fault=True).status_code == 500
    api.flush()
    wait_marked(_server(api), control_marker)
    assert marked(_server(api).items(type="event"), health_marker) == []


@pytest.fixture
def lone_api(target_factory: TargetFactory) -> Iterator[Target]:
    t = target_factory("python-api", environment="production")
    try:
        yield t
    finally:
        t.stop()


def test_sigterm_finishes_in_flight_requests_then_flushes(lone_api: Target) -> None:
    marker = new_marker("sigterm")
    assert lone_api.fault("log-error", marker).status_code == 200
    process, spotify = lone_api.process, lone_api.spotify
    assert process is not None
    assert spotify is not None
    bearer = {"Authorization": "Bearer fake-user-token"}
    slow: list[httpx.Response] = []
    request = threading.Thread(
        target=lambda: slow.append(
            lone_api.http.get("/api/spotify/search", params={"q": "fault:slow:700"}, headers=bearer)
        )
    )
    request.start()
    assert spotify.wait_in_flight(1, timeout=10) == 1  # the request is inside the server, waiting upstream
    os.kill(process.popen.pid, signal.SIGTERM)
    request.join(timeout=10)
    assert slow, "the in-flight request was cut off"
    assert slow[0].status_code == 200
    assert process.popen.wait(timeout=10) == 0
    wait_marked(_server(lone_api), marker)  # queued before SIGTERM, delivered by the SDK's close


def test_tracing_switch_off_reaches_the_sdk(target_factory: TargetFactory) -> None:
    """SENTRY_TRACING=off, even beside rates of 1: errors arrive, transactions never; the control traces."""
    configs = {"off": {"SENTRY_TRACING": "off", **FULL_RATES}, "control": FULL_RATES}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            key: pool.submit(target_factory, "python-api", environment="production", extra_env=env)
            for key, env in configs.items()
        }
        started = {key: f.result() for key, f in futures.items()}
    try:
        traced, failed = new_marker("traced"), new_marker("failed")
        for t in started.values():
            assert _get(t, "/monitoring/sentry-health", traced).status_code == 200
            assert t.fault("throw", failed).status_code == 500
            t.flush()
            _server(t).client.flush()
        wait_marked(_server(started["control"]), traced, type="transaction")
        wait_marked(_server(started["off"]), failed)  # the error went out, after everything else
        assert _server(started["off"]).items(type="transaction") == []
        assert _server(started["off"]).items(type="profile") == []
    finally:
        for t in started.values():
            t.stop()
