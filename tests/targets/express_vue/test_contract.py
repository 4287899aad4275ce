"""The running server's contract: the ready line, health and metrics, the browser config injected at run time,
source maps never served, gate routes only with the token; which modes send (each declaring its
``sample_rate``) and which stay silent beside a positive control; the fault kinds; the mutant handed to the
page."""

from __future__ import annotations

import json
import re

import pytest

from harness.ingest import IngestClient
from harness.ingest.wait import mentions, wait_matching
from harness.targets.target import Target

from ..support import envelope_headers
from .express import RELEASE, browser_project, marker, script_path, server, settled, throw

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]


def test_production_contract(production: Target, sentry_ingest: IngestClient) -> None:
    # time to healthy is measured by benchmarks/target_startup.py, not asserted here
    process = production.process
    assert process is not None
    assert re.search(r"^READY http://127\.0\.0\.1:\d+$", process.log_path.read_text(), re.M)
    health = production.http.get("/monitoring/health").json()
    assert health["status"] == "healthy"
    assert health["version"] == RELEASE
    assert health["environment"] == "production"
    assert health["sentry"]["enabled"] is True
    assert set(production.http.get("/monitoring/metrics").json()) >= {"uptime", "memory", "cpu", "timestamp"}
    assert production.http.get("/monitoring/sentry-health").json()["status"] == "operational"

    page = production.http.get("/errors").text
    config = json.loads(re.search(r"window\.__GATE_CONFIG__ = (\{.*?\})</script>", page).group(1))
    assert config["dsn"] == browser_project(production).dsn
    assert config["environment"] == "production"
    assert config["release"] == RELEASE
    assert config["variant"] == "hardened"
    assert config["mutant"] is None
    js = script_path(page)
    assert production.http.get(js).status_code == 200
    assert production.http.get(f"{js}.map").status_code == 404

    assert production.http.post("/__gate/flush").status_code == 404
    assert production.http.post("/__gate/fault", headers={"X-Gate-Token": "wrong"}, json={}).status_code == 404

    mark = marker()
    throw(production, mark)
    [event] = wait_matching(server(production), mentions(mark), type="event")
    assert event.release == RELEASE
    assert event.environment == "production"
    assert event.json()["tags"]["gate.marker"] == mark
    assert envelope_headers(sentry_ingest, event)["trace"]["sample_rate"] == "0.1"


@pytest.mark.parametrize(
    ("key", "rate"), [("staging", "0.5"), ("development-flag", "1"), ("m:dev-sends-without-flag", "1")]
)
def test_modes_that_send_declare_their_rate(
    fleet: dict[str, Target], sentry_ingest: IngestClient, key: str, rate: str
) -> None:
    target = fleet[key]
    mark = marker()
    throw(target, mark)
    [event] = wait_matching(server(target), mentions(mark), type="event")
    assert event.release == RELEASE
    assert event.environment == target.options.environment
    assert envelope_headers(sentry_ingest, event)["trace"]["sample_rate"] == rate


@pytest.mark.parametrize("key", ["development", "test"])
def test_modes_that_stay_silent(fleet: dict[str, Target], key: str) -> None:
    target, control = fleet[key], fleet["development-flag"]
    mark = marker()
    for t in (target, control):
        throw(t, mark)
        t.http.get("/api/spotify/me", headers={"Authorization": "Bearer fake-1", "X-Gate-Marker": mark})
    assert target.http.post("/__gate/flush", headers=target.gate_headers()).json() == {
        "flushed": True,
        "enabled": False,
    }
    settled(target)
    wait_matching(server(control), mentions(mark), type="event")  # the positive control did send
    assert server(target).items() == []


def test_fault_kinds(production: Target) -> None:
    marks = {kind: marker() for kind in ("reject", "status500", "log-error", "slow")}
    answers = {kind: production.fault(kind, mark, ms=50).status_code for kind, mark in marks.items()}
    assert answers == {"reject": 202, "status500": 500, "log-error": 200, "slow": 200}
    slow = production.http.get("/monitoring/health", headers={**production.gate_headers(), "X-Gate-Fault": "slow=300"})
    assert slow.status_code == 200
    assert slow.elapsed.total_seconds() >= 0.3
    rejected = wait_matching(server(production), mentions(marks["reject"]), type="event")[0].json()
    assert rejected["exception"]["values"][0]["mechanism"]["type"] == "auto.node.onunhandledrejection"
    logged = wait_matching(server(production), mentions(marks["log-error"]), type="event")[0].json()
    assert logged["level"] == "error"
    settled(production)
    assert [i for i in server(production).items("event") if mentions(marks["status500"])(i)] == []


def test_mutant_is_passed_to_the_page(fleet: dict[str, Target]) -> None:
    page = fleet["m:no-release"].http.get("/login").text
    assert '"mutant":"no-release"' in page
    assert f'"release":"{RELEASE}"' in page
