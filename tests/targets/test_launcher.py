"""harness.targets: environment, health, external targets, and both bundled servers per mode (the
processes themselves are `harness.common.process`'s, tested in tests/common).

The last part is issue 3's acceptance through the ingest: each server in production, staging and
development sends (or not) as the mode says, carries release and environment, and declares the mode's
``sample_rate`` in its trace header; it is healthy within 5 s of start and stops cleanly (exit 0).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.common.process import ProcessStartError
from harness.errors import UsageError
from harness.targets import (
    BUNDLED_TARGETS,
    Target,
    TargetOptions,
    TargetUnavailable,
    bundled_description,
    describe_external,
    start_target,
)
from harness.targets.fixtures import TargetFactory
from harness.targets.lifecycle import app_environment, wait_answering
from harness.targets.options import DEFAULT_RELEASE

from .support import envelope_headers, in_parallel, new_marker, stored_item_for, wait_marked

SERVERS = list(BUNDLED_TARGETS)


# ---- options and environment ---------------------------------------------------------------------


def test_environment_follows_the_contract_and_drops_what_the_runner_has() -> None:
    runner = {
        "PATH": "/bin",
        "SENTRY_DSN": "http://leak@example.invalid/1",
        "SENTRY_TRACES_SAMPLE_RATE": "1",
        "GATE_MUTANT": "no-release",
        "HTTPS_PROXY": "http://proxy.invalid:3128",
        "ENABLE_SENTRY": "true",
        "NODE_OPTIONS": "--inspect",
    }
    options = TargetOptions(
        environment="staging",
        server_dsn="http://k@127.0.0.1:1/2",
        browser_dsn="http://b@127.0.0.1:1/3",
        fault_token="tok",
        extra_env={"SENTRY_REPLAY": "off", "PATH": None},
    )
    described = bundled_description("express-vue")
    env = app_environment(described, options, upstream_urls={"spotify": "http://127.0.0.1:5/"}, base=runner)
    assert env == {
        "SENTRY_ENVIRONMENT": "staging",
        "NODE_ENV": "staging",
        "SENTRY_RELEASE": DEFAULT_RELEASE,
        "SENTRY_DSN": "http://k@127.0.0.1:1/2",
        "SENTRY_DSN_BROWSER": "http://b@127.0.0.1:1/3",
        "GATE_FAULT_TOKEN": "tok",
        "SPOTIFY_API_URL": "http://127.0.0.1:5/v1",
        "SPOTIFY_ACCOUNTS_URL": "http://127.0.0.1:5",
        "HOST": "127.0.0.1",
        "SENTRY_REPLAY": "off",
    }


def test_options_validate_and_describe() -> None:
    assert TargetOptions(environment="eu-prod").environment == "eu-prod"  # any name Sentry accepts
    with pytest.raises(UsageError, match="environment"):
        TargetOptions(environment="eu/prod")
    with pytest.raises(ValueError, match="variant"):
        TargetOptions(variant="loose")
    assert TargetOptions().describe() == "production/hardened"
    assert TargetOptions(environment="staging", variant="seed", mutant="no-release").describe() == (
        "staging/seed+no-release"
    )
    assert TargetOptions().fault_token != TargetOptions().fault_token
    described = bundled_description("python-api")
    options = TargetOptions(release=None, fault_token=None, variant="seed", mutant="no-release")
    env = app_environment(described, options, upstream_urls={"spotify": "http://s"}, base={})
    assert "SENTRY_RELEASE" not in env
    assert "GATE_FAULT_TOKEN" not in env
    assert (env["GATE_VARIANT"], env["GATE_MUTANT"]) == ("seed", "no-release")  # overrides of the description


# ---- health and availability ---------------------------------------------------------------------


def test_readiness_gives_up_at_its_deadline() -> None:
    with pytest.raises(ProcessStartError, match="did not answer 2xx"):
        wait_answering("http://127.0.0.1:9", "/", deadline=time.monotonic() + 0.3)


def test_unknown_bundled_target(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown bundled target"):
        start_target("rails", TargetOptions(), tmp_path)
    assert issubclass(TargetUnavailable, RuntimeError)


def test_external_target_says_what_to_set() -> None:
    options = TargetOptions(server_dsn="http://s@127.0.0.1:7/1", browser_dsn="http://b@127.0.0.1:7/2", fault_token="t")
    external = describe_external("https://staging.example.test/", options)
    assert external.url == "https://staging.example.test"
    assert external.settings == {
        "SENTRY_DSN": "http://s@127.0.0.1:7/1",
        "SENTRY_DSN_BROWSER": "http://b@127.0.0.1:7/2",
        "SENTRY_ENVIRONMENT": "production",
        "SENTRY_RELEASE": DEFAULT_RELEASE,
    }
    text = external.instructions()
    assert "SENTRY_DSN=http://s@127.0.0.1:7/1" in text
    assert "GATE_FAULT_TOKEN=t" in text
    target = external.as_target(options)
    assert isinstance(target, Target)
    assert (target.name, target.processes, target.logs()) == ("external", [], "")
    with pytest.raises(UsageError, match="http"):
        describe_external("ftp://x", options)
    with pytest.raises(ValueError, match="DSN"):
        describe_external("http://x", TargetOptions())


# ---- both bundled servers, per mode, through the ingest ------------------------------------------

PLAN_RATES = {"production": 0.1, "staging": 0.5, "development": 1.0}


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def started(target_factory: TargetFactory) -> Iterator[list[Target]]:
    """Targets a test starts; stopped (and checked to stop cleanly) when it ends."""
    targets: list[Target] = []
    yield targets
    for t in targets:
        t.stop()
    for t in targets:
        assert t.process is not None
        assert t.process.popen.returncode == 0, f"{t.name} did not exit 0 on SIGTERM\n{t.logs()}"


def _throw(t: Target, label: str) -> str:
    marker = new_marker(label)
    assert t.fault("throw", marker).status_code == 500
    return marker


def _check_sends(t: Target, environment: str) -> None:
    assert t.http.get("/monitoring/health").json()["sentry"] == {"enabled": True, "environment": environment}
    marker = _throw(t, environment)
    assert t.flush()["flushed"] is True
    assert t.server_project is not None
    event = wait_marked(t.server_project, marker)
    assert event["release"] == DEFAULT_RELEASE
    assert event["environment"] == environment
    trace = envelope_headers(t.server_project.client, stored_item_for(t.server_project, marker))["trace"]
    assert float(trace["sample_rate"]) == PLAN_RATES[environment]
    assert trace["environment"] == environment
    assert trace["release"] == DEFAULT_RELEASE


def test_target_fixture_gives_production_wired_to_the_ingest(target: Target) -> None:
    """The suites' fixture: each bundled server in turn, production by default, with its own projects."""
    assert target.name in BUNDLED_TARGETS
    assert target.options.environment == "production"
    assert target.browser_project is not None
    assert target.options.browser_dsn == target.browser_project.dsn
    _check_sends(target, "production")


def test_staging_sends_with_its_own_rate(target_factory: TargetFactory, server: str, started: list[Target]) -> None:
    t = target_factory(server, environment="staging")
    started.append(t)
    _check_sends(t, "staging")


def test_development_sends_only_with_its_flag(
    target_factory: TargetFactory, server: str, started: list[Target]
) -> None:
    silent, control = in_parallel(
        lambda: target_factory(server, environment="development"),
        lambda: target_factory(server, environment="development", extra_env={"ENABLE_SENTRY": "true"}),
    )
    started += [silent, control]
    assert silent.http.get("/monitoring/health").json()["sentry"]["enabled"] is False
    silent_marker, control_marker = _throw(silent, "dev-silent"), _throw(control, "dev-control")
    assert silent.flush() == {"flushed": True, "enabled": False}
    assert control.flush()["flushed"] is True
    # Positive control: the same fault in the same mode, with the flag, reaches the ingest ...
    assert control.server_project is not None
    event = wait_marked(control.server_project, control_marker)
    assert event["environment"] == "development"
    trace = envelope_headers(control.server_project.client, stored_item_for(control.server_project, control_marker))
    assert float(trace["trace"]["sample_rate"]) == PLAN_RATES["development"]
    # ... and without it nothing at all arrives, not even after the SDK's shutdown flush.
    silent.stop()
    assert silent.server_project is not None
    assert silent.server_project.requests() == [], f"{silent_marker} target sent something"
