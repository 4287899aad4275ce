"""The browser journey with Sentry down (check ``chaos.browser.journey``), in Debian's Chromium.

The page's DSN goes through the rig's Sentry proxy; the experiment runs the journey (home → search →
results → a track, then an error the app captures) with Sentry up, with the proxy disabled
(connections refused) and after roll back. Under the fault the journey must work with no SDK error
surfacing to the page (`harness.chaos.browser_journey`); with Sentry up the captured error must reach
the browser project (the positive control that the page's SDK sends at all). The page is the same Vue
build behind either server, so it runs behind the Express server only (the suite's time budget).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.chaos import ChaosRunner, Experiment, Probe, ProxyDown, checks, run_experiment
from harness.chaos.browser_journey import JourneyRecord, judge_journey, run_journey
from harness.chaos.fixtures import suite_rig
from harness.chaos.rig import ChaosRig
from harness.common.browser import chromium_for_tests
from harness.ingest import IngestClient
from harness.recorder import CheckRecorder

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = pytest.mark.needs("bundled", "gate_routes.page_hook")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium_for_tests()


@pytest.fixture(scope="module", params=["express-vue"])
def page_rig(
    request: pytest.FixtureRequest, sentry_ingest: IngestClient, chaos_runner: ChaosRunner, tmp_path_factory: Any
) -> Iterator[ChaosRig]:
    name: str = request.param
    log_dir: Path = tmp_path_factory.mktemp(f"browser-{name}")
    yield from suite_rig(name, sentry_ingest, chaos_runner, log_dir, browser_through_proxy=True)


def test_journey_works_with_sentry_down(page_rig: ChaosRig, browser: Any, gate_check: CheckRecorder) -> None:
    records: dict[str, JourneyRecord] = {}
    hosts = [str(page_rig.sentry_proxy.listen)]

    def journey(phase: str) -> dict[str, Any]:
        marker = f"journey-{secrets.token_hex(4)}"
        record = run_journey(browser, page_rig.target.url, hosts, marker)
        records[phase] = record
        events = [i.json() for i in page_rig.browser_project.items("event")]
        arrived = [e for e in events if checks.tags_of(e).get("gate.marker") == marker]
        return {
            "steps ok": all(ok for _, ok, _ in record.steps),
            "page errors": len(record.page_errors),
            "failed sends": record.failed_sends,
            "captured error arrived": bool(arrived),
        }

    phases = iter(["before", "during", "after"])
    works = Probe(
        "journey works, no page error",
        lambda: journey(next(phases)),
        tolerance=lambda v: v["steps ok"] and v["page errors"] == 0,
    )
    journal = run_experiment(
        Experiment(
            f"{page_rig.name}: page with Sentry down", steady_state=[works], faults=[ProxyDown(page_rig.sentry_proxy)]
        )
    )
    assert "during" in records, f"{journal.summary()}\n" + "\n".join(
        f"{phase}: {step}" for phase, record in records.items() for step in record.steps
    )
    result = judge_journey(f"{page_rig.sentry_proxy.name} down", records["during"])
    control = journal.value("before", "journey works, no page error")
    assert control["captured error arrived"], (
        f"positive control: the page's error did not arrive with Sentry up: {control}"
    )
    assert journal.status.value in ("completed", "deviated"), journal.summary()
    gate_check(result)
