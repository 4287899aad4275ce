"""Fixtures for tests that check what real Sentry SDKs send, registered through ``pytest11``.

- ``sentry_ingest_process`` (session): the ingest, started as its own process on a free loopback
  port. Under pytest-xdist each worker starts its own (tests isolate by project anyway, so there is
  nothing to share, and one process per worker keeps a slow test from starving another worker's
  ingest). ``--gate-ingest-url URL`` or the settings' ``ingest_url`` uses a running one instead.
- ``sentry_ingest`` (session): an `IngestClient` for it.
- ``sentry_project`` (function): a fresh project (its own DSN) per test; isolation without resets.
- ``gate_check`` (session): ``gate_check(result)`` records a `CheckResult` for the report
  (``--gate-results FILE``) and fails the test on FAIL, skips it on INCONCLUSIVE.
- ``gate_redactor`` (function): register secrets a test plants; attachments are redacted with it.
- ``chaos_runner`` (session) / ``fault_proxy`` (function): TCP fault proxies with Toxiproxy's toxics
  (see `harness.chaos.fixtures`).
- ``target_factory`` / ``target`` (module): bundled reference targets wired to the ingest
  (see `harness.targets.fixtures`).
- ``gate_settings`` (session): the run's `harness.settings.Settings` (``sentry-gate run`` hands them over
  serialised; a developer's single variables apply on top).
- ``gate_target`` (session): the external deployment ``sentry-gate run --target URL`` handed to the
  suites (after its handshake), or None when the run is on a bundled target.

When allure-pytest is active, the items a test's project captured are attached to its result as
redacted JSON.

A fixture or test that cannot run because a prerequisite is missing (Debian's Chromium, Node.js, a
built client, ``sentry-cli``) follows one rule, `harness.common.prerequisites.unavailable`: skipped with
the reason, except under ``CI``, where the make targets must have installed it and the test fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from harness.chaos.fixtures import chaos_runner, fault_proxy
from harness.ingest import IngestClient, IngestProcess, ProjectHandle, start_ingest
from harness.recorder import CheckRecorder
from harness.redact import Redactor
from harness.release.fixtures import sentry_cli, sentry_org, sentry_webapi
from harness.settings import Settings
from harness.targets.external import external_target
from harness.targets.fixtures import TARGET_MARKER, target, target_factory
from harness.targets.target import Target

__all__ = [
    "chaos_runner",
    "fault_proxy",
    "gate_check",
    "gate_redactor",
    "gate_settings",
    "gate_target",
    "sentry_cli",
    "sentry_ingest",
    "sentry_ingest_process",
    "sentry_org",
    "sentry_project",
    "sentry_webapi",
    "target",
    "target_factory",
]

_STARTED: list[IngestProcess] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", TARGET_MARKER)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sentry-gate")
    group.addoption("--gate-ingest-url", default=None, help="use a running sentry-gate ingest instead of starting one")
    group.addoption(
        "--gate-results",
        default=None,
        type=Path,
        help="append every check result (JSON lines) to this file, for the gate's report",
    )
    group.addoption(
        "--gate-plan",
        default=None,
        type=Path,
        help="with --collect-only: write each collected check with run or skip and the reason (JSON), for validate",
    )


def _skip_reason(item: pytest.Item) -> str | None:
    """Why collection already decided to skip ``item`` (a skip marker, or a skipif whose condition is true)."""
    for mark in item.iter_markers("skip"):
        return str(mark.kwargs.get("reason", mark.args[0] if mark.args else "skipped"))
    for mark in item.iter_markers("skipif"):
        if mark.args and all(isinstance(c, bool) for c in mark.args) and any(mark.args):
            return str(mark.kwargs.get("reason", "skipped"))
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    path = session.config.getoption("gate_plan")
    if path is None:
        return
    rows = [{"test": item.nodeid, "skip": _skip_reason(item)} for item in session.items]
    Path(path).write_text(json.dumps(rows, indent=1), encoding="utf-8")


@pytest.fixture(scope="session")
def sentry_ingest_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IngestProcess]:
    process = start_ingest(tmp_path_factory.mktemp("ingest"))
    _STARTED.append(process)
    try:
        yield process
    finally:
        process.stop()
        if process in _STARTED:
            _STARTED.remove(process)


@pytest.fixture(scope="session")
def gate_settings() -> Settings:
    """The run's settings, read once per session."""
    return Settings.from_environ()


@pytest.fixture(scope="session")
def sentry_ingest(request: pytest.FixtureRequest, gate_settings: Settings) -> Iterator[IngestClient]:
    url = request.config.getoption("gate_ingest_url") or gate_settings.ingest_url
    if url:
        client = IngestClient(url, token=gate_settings.control_token)
    else:
        process: IngestProcess = request.getfixturevalue("sentry_ingest_process")
        client = IngestClient(process.url, token=process.control_token)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def gate_check(request: pytest.FixtureRequest) -> CheckRecorder:
    """``gate_check(result)``: record a check's result for the report; FAIL fails the test."""
    path = request.config.getoption("gate_results")
    return CheckRecorder(Path(path) if path else None)


@pytest.fixture(scope="session")
def gate_target(sentry_ingest: IngestClient, gate_settings: Settings) -> Target | None:
    """The user's deployment when the run names one (the settings' ``target`` is a URL), else None."""
    return external_target(sentry_ingest, gate_settings)


@pytest.fixture
def gate_redactor() -> Redactor:
    return Redactor()


@pytest.fixture
def sentry_project(
    sentry_ingest: IngestClient, request: pytest.FixtureRequest, gate_redactor: Redactor
) -> Iterator[ProjectHandle]:
    handle = ProjectHandle(sentry_ingest, sentry_ingest.create_project(request.node.nodeid))
    yield handle
    _attach_items(request, handle, gate_redactor)


def _attach_items(request: pytest.FixtureRequest, handle: ProjectHandle, redactor: Redactor) -> None:
    if not request.config.getoption("allure_report_dir", default=None):
        return
    try:
        import allure
    except ImportError:  # pragma: no cover - allure-pytest is a dev dependency
        return
    items = handle.items()
    if not items:
        return
    dump = [
        {
            "type": i.type,
            "headers": i.headers,
            "request_id": i.request_id,
            "payload": i.payload.decode("utf-8", "replace"),
        }
        for i in items
    ]
    body = redactor.redact(orjson.dumps(dump, option=orjson.OPT_INDENT_2).decode())
    allure.attach(
        body, name=f"sentry items (project {handle.id}, redacted)", attachment_type=allure.attachment_type.JSON
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Backstop: no ingest outlives the session, even when a fixture's teardown did not run."""
    for process in list(_STARTED):
        process.stop(timeout=5)
        _STARTED.remove(process)
