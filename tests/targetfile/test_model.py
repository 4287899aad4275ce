"""harness.targetfile.model: what a target file may say, checked before anything runs.

The model alone (a dict in, a `TargetFile` or pydantic's `ValidationError` out): each rule is asserted by
the error's location and words. tests/targetfile/test_load.py asserts the same rules as the one-line
``file:line: key: message`` a user reads.
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from pydantic import ValidationError

from harness.targetfile.model import CANARY_KINDS, TargetFile
from harness.targets.launcher import BUNDLED_TARGETS

from .support import FULL, MINIMAL

URL_APP: dict[str, Any] = {"url": "http://127.0.0.1:8000"}
STARTED_APP: dict[str, Any] = {"start": ["serve", "--port", "{port}"], "ready": {"http": "/health"}}


def model(**tables: Any) -> TargetFile:
    return TargetFile.model_validate({"name": "shop", "app": URL_APP, **tables})


def first_error(data: dict[str, Any]) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as caught:
        TargetFile.model_validate(data)
    error = caught.value.errors()[0]
    return tuple(error["loc"]), error["msg"]


def bad(**tables: Any) -> tuple[tuple[str | int, ...], str]:
    return first_error({"name": "shop", "app": URL_APP, **tables})


# ---- valid files ---------------------------------------------------------------------------------


def test_a_name_and_a_url_are_a_whole_file() -> None:
    parsed = TargetFile.model_validate(tomllib.loads(MINIMAL))
    assert (parsed.version, parsed.name, parsed.app.url) == (1, "shop", "http://127.0.0.1:8000")
    assert not parsed.started  # a URL: the gate cannot restart it
    assert parsed.services == {}
    assert parsed.upstreams == {}
    assert parsed.environments == {}
    assert parsed.journey is None
    assert parsed.gate_routes is None
    assert parsed.app.build is None
    assert (parsed.expect.alpha, parsed.expect.default_environment) == (0.05, None)
    assert parsed.traffic.think_time_s == [0.0, 0.0]


def test_a_full_file_keeps_every_value_and_widens_the_shorthands() -> None:
    parsed = TargetFile.model_validate(tomllib.loads(FULL))
    app = parsed.app
    assert parsed.started
    assert app.start == ["sh", "-c", "exec ./serve --port {port}"]  # one string: run by sh -c
    assert (app.port.variable, app.ready and app.ready.http, app.stop_signal) == ("PORT", "/health", "SIGINT")
    assert app.stop_timeout_s == 5.0  # an integer where seconds are meant is fine
    assert app.build is not None
    assert app.build.command == ["make", "build"]
    assert app.requires[0].hint == "make build"
    service = parsed.services["fake-api"]
    assert (service.port.announce, service.stop_signal, service.cwd) == (r"ready (http://\S+)", "SIGHUP", ".")
    assert service.ready.timeout_s == 30.0
    assert parsed.upstreams["payments"].service == "fake-api"
    assert parsed.upstreams["search"].url == "http://127.0.0.1:9200"
    sentry = parsed.sentry
    assert sentry.server_dsn == ["SENTRY_DSN"]  # one name: a list of one
    assert sentry.browser_dsn == ["PUBLIC_SENTRY_DSN", "VITE_SENTRY_DSN"]
    assert sentry.rates == {"traces_sample_rate": ["TRACES_RATE"], "replays_session_sample_rate": ["REPLAY_RATE"]}
    assert (sentry.browser_dsn_at, sentry.environment, sentry.off) == ("build", ["APP_ENV"], {"SENTRY_ENABLED": "0"})
    production = parsed.environments["production"]
    assert (production.sends, production.traces_sample_rate, production.max_breadcrumbs) == (True, 0.1, 50)
    assert production.replays_session_sample_rate is None  # not promised: its check is skipped
    assert parsed.environments["development"].enable_env == {"SENTRY_ENABLED": "1"}
    assert (parsed.expect.alpha, parsed.expect.tolerance.server, parsed.expect.tolerance.browser) == (0.01, 0.05, 0.1)
    requests = parsed.traffic.requests
    assert requests["login"].json_body == {"email": "{canary.email}", "password": "{canary.password}"}
    assert (requests["search"].weight, requests["search"].status) == (3.0, [200, 404])
    assert (requests["boom"].kind, requests["boom"].form) == ("error", {"card": "{canary.card}"})
    assert parsed.traffic.sign_in is not None
    assert parsed.traffic.sign_in.send_format == "Bearer {value}"
    assert parsed.journey is not None
    assert [s.click for s in parsed.journey.steps] == [None, None, "button[type=submit]"]
    assert parsed.data.secrets == ["STRIPE_KEY"]
    assert parsed.gate_routes is not None
    assert parsed.gate_routes.token_header == "X-Gate-Token"
    assert parsed.waive == {"replay-masking": "the app has no browser client"}


@pytest.mark.parametrize("name", sorted(BUNDLED_TARGETS))
def test_the_bundled_files_are_valid(name: str) -> None:
    parsed = TargetFile.model_validate(tomllib.loads(BUNDLED_TARGETS[name].read_text()))
    assert parsed.name == name
    assert parsed.started
    assert parsed.upstreams["spotify"].service in parsed.services
    assert set(parsed.environments) == {"production", "staging", "development", "test"}


def test_the_model_is_frozen_and_strict() -> None:
    parsed = TargetFile.model_validate(tomllib.loads(MINIMAL))
    with pytest.raises(ValidationError, match="frozen"):
        parsed.name = "other"  # type: ignore[misc]
    assert bad(traffic={"requests": {"a": {"path": "/", "status": ["200"]}}})[0] == (
        "traffic",
        "requests",
        "a",
        "status",
        0,
    )  # no "200" for 200


# ---- what the model refuses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tables", "loc"),
    [
        ({"bogus": 1}, ("bogus",)),
        ({"app": {**URL_APP, "bogus": 1}}, ("app", "bogus")),
        ({"app": {**STARTED_APP, "ready": {"http": "/", "timeuot_s": 5}}}, ("app", "ready", "timeuot_s")),
        ({"expect": {"tolerance": {"sever": 0.1}}}, ("expect", "tolerance", "sever")),
        (
            {"services": {"s": {"start": "x", "port": {"announce": "(u)", "hots": "x"}}}},
            ("services", "s", "port", "hots"),
        ),
        ({"journey": {"steps": [{"goto": "/"}, {"goto": "/", "clik": "a"}]}}, ("journey", "steps", 1, "clik")),
        ({"sentry": {"server_dns": "SENTRY_DSN"}}, ("sentry", "server_dns")),
    ],
)
def test_an_unknown_key_is_an_error_at_any_depth(tables: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    got_loc, message = bad(**tables)
    assert got_loc == loc
    assert "Extra inputs are not permitted" in message


@pytest.mark.parametrize(
    ("tables", "loc", "words"),
    [
        ({"name": 3}, ("name",), "valid string"),
        ({"app": {**URL_APP, "stop_timeout_s": "10"}}, ("app", "stop_timeout_s"), "valid number"),
        ({"app": {**URL_APP, "stop_signal": "SIGSTOP"}}, ("app", "stop_signal"), "'SIGTERM'"),
        ({"environments": {"production": {"sends": "yes"}}}, ("environments", "production", "sends"), "boolean"),
        (
            {"environments": {"production": {"max_breadcrumbs": 1.5}}},
            ("environments", "production", "max_breadcrumbs"),
            "integer",
        ),
        ({"traffic": {"think_time_s": [1.0]}}, ("traffic", "think_time_s"), "at least 2"),
        ({"app": "http://127.0.0.1:8000"}, ("app",), "dictionary"),
        ({"version": 2}, ("version",), "1"),
    ],
)
def test_a_wrong_type_names_its_key(tables: dict[str, Any], loc: tuple[str | int, ...], words: str) -> None:
    got_loc, message = bad(**tables)
    assert got_loc == loc
    assert words in message


@pytest.mark.parametrize("rate", [-0.1, 1.5])
@pytest.mark.parametrize("name", ["traces_sample_rate", "replays_on_error_sample_rate"])
def test_a_rate_outside_zero_to_one_is_refused(name: str, rate: float) -> None:
    loc, message = bad(environments={"production": {name: rate}})
    assert loc == ("environments", "production", name)
    assert ("greater than or equal to 0" if rate < 0 else "less than or equal to 1") in message


@pytest.mark.parametrize("rate", [0, 0.0, 1, 1.0])
def test_the_ends_of_a_rate_are_allowed(rate: float) -> None:
    assert model(environments={"production": {"traces_sample_rate": rate}}).environments["production"]


@pytest.mark.parametrize(
    ("tables", "key"),
    [
        ({"traffic": {"requests": {"a": {"path": "/u/{canary.ssn}"}}}}, "traffic.requests.a.path"),
        ({"traffic": {"requests": {"a": {"path": "/", "query": {"q": "{canary.ssn}"}}}}}, "traffic.requests.a.query"),
        ({"traffic": {"requests": {"a": {"path": "/", "json": {"x": ["{canary.ssn}"]}}}}}, "traffic.requests.a.json"),
        ({"journey": {"steps": [{"fill": ["#f", "{canary.ssn}"]}]}}, "journey.steps"),
    ],
)
def test_an_unknown_canary_placeholder_names_where_it_is(tables: dict[str, Any], key: str) -> None:
    loc, message = bad(**tables)
    assert loc == ()  # a rule over the whole file: it names its key in its message (the loader splits it off)
    assert message.startswith(f"Value error, {key} unknown placeholder {{canary.ssn}}; known: email")


def test_every_canary_kind_is_a_known_placeholder() -> None:
    query = {kind: f"{{canary.{kind}}}" for kind in CANARY_KINDS}
    assert model(traffic={"requests": {"a": {"path": "/", "query": query}}}).traffic.requests["a"].query == query


@pytest.mark.parametrize(
    ("tables", "loc", "words"),
    [
        (
            {"traffic": {"sign_in": {"request": "login"}, "requests": {"home": {"path": "/"}}}},
            ("traffic",),
            "sign_in.request 'login' is not one of [traffic.requests]",
        ),
        (
            {"upstreams": {"api": {"service": "fake", "variables": {"API_URL": "{url}"}}}},
            (),
            "upstreams.api.service 'fake' is not one of [services]",
        ),
        (
            {"expect": {"default_environment": "prod"}, "environments": {"production": {}}},
            (),
            "expect.default_environment 'prod' is not one of [environments] (production)",
        ),
        (
            {"expect": {"default_environment": "prod"}},
            (),
            "is not one of [environments] (none declared)",
        ),
    ],
)
def test_a_reference_to_nothing_is_refused(tables: dict[str, Any], loc: tuple[str, ...], words: str) -> None:
    got_loc, message = bad(**tables)
    assert got_loc == loc
    assert words in message


@pytest.mark.parametrize(
    ("app", "words"),
    [
        ({**STARTED_APP, **URL_APP}, "give exactly one of url"),
        ({"cwd": "."}, "give exactly one of url"),
        ({"start": ["serve"], "ready": {"http": "/"}}, "say how the port reaches the app"),
        ({"start": "serve --port 8000", "ready": {"http": "/"}}, "say how the port reaches the app"),
        ({"start": ["serve", "{port}"]}, "say how readiness shows"),
        ({"start": ["serve", "{port}"], "ready": {"timeout_s": 5}}, "say how readiness shows"),
        ({"url": "ftp://example.test"}, "an http(s) URL"),
    ],
)
def test_how_to_reach_the_app(app: dict[str, Any], words: str) -> None:
    loc, message = first_error({"name": "shop", "app": app})
    assert loc[0] == "app"
    assert words in message


@pytest.mark.parametrize(
    "app",
    [
        {"start": ["serve"], "port": {"variable": "PORT"}, "ready": {"log": "listening"}},
        {"start": "serve --port={port}", "ready": {"http": "/"}},
        {"start": ["serve"], "port": {"announce": r"on (http://\S+)", "variable": "PORT"}},
    ],
)
def test_each_way_for_the_port_to_reach_the_app(app: dict[str, Any]) -> None:
    assert TargetFile.model_validate({"name": "shop", "app": app}).started


def test_missing_required_fields() -> None:
    assert first_error({"name": "shop"})[0] == ("app",)
    assert first_error({"app": URL_APP})[0] == ("name",)
    assert bad(gate_routes={"page_hook": True})[0] == ("gate_routes", "token_variable")
    assert bad(traffic={"requests": {"login": {"method": "POST"}}})[0] == ("traffic", "requests", "login", "path")
    assert bad(services={"s": {"port": {"announce": "(u)"}}})[0] == ("services", "s", "start")


@pytest.mark.parametrize(
    ("tables", "loc", "words"),
    [
        ({"name": "My App"}, ("name",), "lower case"),
        ({"sentry": {"server_dsn": "1DSN"}}, ("sentry", "server_dsn"), "not an environment variable name"),
        ({"sentry": {"rates": {"trace_rate": "X"}}}, ("sentry", "rates"), "unknown rate 'trace_rate'"),
        ({"app": {**STARTED_APP, "ready": {"http": "health"}}}, ("app", "ready", "http"), "starts with /"),
        ({"app": {**STARTED_APP, "ready": {"http": "/", "log": "("}}}, ("app", "ready", "log"), "regular expression"),
        ({"app": {**STARTED_APP, "port": {"announce": "ready"}}}, ("app", "port", "announce"), "one group"),
        ({"app": {**STARTED_APP, "ready": {"http": "/", "timeout_s": 0}}}, ("app", "ready", "timeout_s"), "greater"),
        ({"app": {**STARTED_APP, "env": {"BAD-NAME": "1"}}}, ("app", "env"), "not an environment variable name"),
        ({"traffic": {"requests": {"a": {"path": "a"}}}}, ("traffic", "requests", "a", "path"), "starts with /"),
        (
            {"traffic": {"requests": {"a": {"path": "/", "json": {}, "form": {}}}}},
            ("traffic", "requests", "a"),
            "json or form, not both",
        ),
        ({"journey": {"steps": [{"goto": "/", "click": "a"}]}}, ("journey", "steps", 0), "exactly one of goto"),
        ({"journey": {"steps": [{"fill": ["#a"]}]}}, ("journey", "steps", 0), "[selector, value]"),
        ({"journey": {"function": "journey:run"}}, ("journey", "function"), "path/to/file.py:function"),
        ({"journey": {"function": "j.py:run", "steps": [{"goto": "/"}]}}, ("journey",), "function or steps"),
        ({"upstreams": {"a": {"variables": {"A": "{url}"}}}}, ("upstreams", "a"), "exactly one of service and url"),
        ({"upstreams": {"a": {"url": "http://x", "variables": {}}}}, ("upstreams", "a", "variables"), "at least 1"),
        ({"expect": {"alpha": 0.5}}, ("expect", "alpha"), "less than 0.5"),
        ({"environments": {"eu prod": {}}}, ("environments",), "'eu prod' is not an environment name"),
        ({"environments": {"..": {}}}, ("environments",), "'..' is not an environment name"),
        ({"gate_routes": {"token_variable": "a b"}}, ("gate_routes", "token_variable"), "not an environment variable"),
    ],
)
def test_invalid_values_name_their_key(tables: dict[str, Any], loc: tuple[str | int, ...], words: str) -> None:
    got_loc, message = bad(**tables)
    assert got_loc == loc
    assert words in message
