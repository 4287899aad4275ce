"""The release flow runner and the pipeline checks on the fixture client, with the real sentry-cli.

No browser here: what the pipeline leaves in the fake Sentry and in the built files. Each check
is run against the mutant that must break it, and fails naming its id and the measured value.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from harness.release import checks
from harness.release.dist import map_files, scan_dist
from harness.release.fixtures import SentryOrg
from harness.release.flow import STEPS, FlowResult, ReleaseFlow, StepResult
from harness.results import CheckResult, Verdict
from tests.release.fixture_client import serve

pytestmark = pytest.mark.node
RELEASE = "fixture@2.0.0"


def _pipeline_results(
    org: SentryOrg, served: Path, uploaded: Path, environment: str = "production"
) -> dict[str, CheckResult]:
    api = org.api
    release = api.release(org.slug, RELEASE)
    bundles = api.bundles(org.slug, release=RELEASE)
    results = [
        checks.release_exists(release, RELEASE),
        checks.release_finalized(release, RELEASE),
        checks.release_deployed(api.deploys(org.slug, RELEASE), RELEASE, environment),
        checks.debug_ids_injected(scan_dist(served)),
        checks.maps_uploaded(scan_dist(uploaded), bundles),
        checks.maps_match_served(scan_dist(served), bundles),
        checks.maps_hidden(scan_dist(served)),
    ]
    return {r.check_id: r for r in results}


def test_flow_times_every_step_and_passes_every_pipeline_check(
    sentry_cli: Path, sentry_org: SentryOrg, fresh_copy: Callable[[str], Path]
) -> None:
    dist = fresh_copy("hardened")
    flow = ReleaseFlow(sentry_cli, sentry_org.cli_target("web"), RELEASE, dist).run()
    assert flow.ok, flow.failed
    assert tuple(flow.timings()) == STEPS
    assert all(s.seconds > 0 for s in flow.steps)  # timed (a process run takes some time: no upper bound)
    results = _pipeline_results(sentry_org, dist, dist)
    assert [r.summary for r in results.values() if not r.passed] == []
    assert results["release.sourcemaps.uploaded"].summary == (
        "1 bundle(s) for the release; a source map for 2/2 built JS files"
    )


@pytest.mark.parametrize(
    ("skip", "check_id", "summary"),
    [
        (
            ["sourcemaps-upload"],
            "release.sourcemaps.uploaded",
            "0 bundle(s) for the release; a source map for 0/2 built JS files",
        ),
        (
            ["releases-finalize", "deploys-new"],
            "release.pipeline.finalize",
            "release 'fixture@2.0.0' dateReleased=None: never finalized",
        ),
        (
            ["deploys-new"],
            "release.pipeline.deploy",
            "release 'fixture@2.0.0' has 0 deploy(s) in no environment; wanted one in 'production'",
        ),
        (
            ["sourcemaps-inject"],
            "release.sourcemaps.debug-ids",
            "0/2 built JS files carry a debug ID; 0 with a map whose debug ID differs",
        ),
        (
            ["releases-new", "releases-finalize", "deploys-new"],
            "release.pipeline.release-exists",
            "release 'fixture@2.0.0' was not found in the organization",
        ),
    ],
)
def test_each_pipeline_mutant_fails_its_check(
    sentry_cli: Path,
    sentry_org: SentryOrg,
    fresh_copy: Callable[[str], Path],
    skip: list[str],
    check_id: str,
    summary: str,
) -> None:
    dist = fresh_copy("hardened")
    flow = ReleaseFlow(sentry_cli, sentry_org.cli_target("web"), RELEASE, dist, skip=skip).run()
    assert flow.ok, flow.failed
    result = _pipeline_results(sentry_org, dist, dist)[check_id]
    assert result.verdict is Verdict.FAIL
    assert result.summary == summary


def test_stale_maps_fail_matching_but_not_uploaded(
    sentry_cli: Path, sentry_org: SentryOrg, fresh_copy: Callable[[str], Path]
) -> None:
    served, stale = fresh_copy("hardened"), fresh_copy("stale")
    ReleaseFlow(sentry_cli, sentry_org.cli_target("web"), RELEASE, served, skip=["sourcemaps-upload"]).run()
    flow = ReleaseFlow(sentry_cli, sentry_org.cli_target("web"), RELEASE, stale, skip=["releases-new"]).run()
    assert flow.ok, flow.failed
    results = _pipeline_results(sentry_org, served, stale)
    assert results["release.sourcemaps.uploaded"].passed
    matching = results["release.sourcemaps.matching"]
    assert matching.verdict is Verdict.FAIL
    assert matching.summary == "0/2 served JS files have an uploaded map with their debug ID"


def test_referenced_maps_fail_the_hidden_check(fresh_copy: Callable[[str], Path]) -> None:
    assert checks.maps_hidden(scan_dist(fresh_copy("hardened"))).passed
    result = checks.maps_hidden(scan_dist(fresh_copy("referenced")))
    assert result.verdict is Verdict.FAIL
    assert result.check_id == "release.sourcemaps.hidden"
    assert result.summary == "2/2 served JS files reference a source map"


@pytest.mark.parametrize("serve_maps", [False, True])
def test_maps_served_publicly_fail_the_not_public_check(fresh_copy: Callable[[str], Path], serve_maps: bool) -> None:
    dist = fresh_copy("hardened")
    with serve(dist, {}, serve_maps=serve_maps) as url:
        statuses = {
            f"{url}/{p.relative_to(dist).as_posix()}": httpx.get(f"{url}/{p.relative_to(dist).as_posix()}").status_code
            for p in map_files(dist)
        }
    result = checks.maps_not_public(statuses)
    assert result.passed is not serve_maps
    assert result.summary == f"{2 if serve_maps else 0}/2 source-map URLs are served publicly (HTTP 200)"


def _flow(*seconds: float, returncode: int = 0) -> FlowResult:
    steps = tuple(
        StepResult(name, ("sentry-cli",), t, returncode if i == len(seconds) - 1 else 0, "", "")
        for i, (name, t) in enumerate(zip(STEPS, seconds, strict=False))
    )
    return FlowResult(steps, (), sum(seconds))


def test_the_duration_check_on_figures() -> None:
    """The budget's logic on given times: a real flow's time is not asserted (issue 13)."""
    ok = checks.flow_duration(_flow(1.0, 2.0, 3.0, 1.0, 1.0), budget_s=10)
    assert ok.verdict is Verdict.PASS
    assert ok.summary == "release flow took 8.00 s (budget 10 s)"
    assert ok.evidence["steps"] == {
        "releases-new": 1.0,
        "sourcemaps-inject": 2.0,
        "sourcemaps-upload": 3.0,
        "releases-finalize": 1.0,
        "deploys-new": 1.0,
    }
    over = checks.flow_duration(_flow(100.0, 21.0), budget_s=120)
    assert over.verdict is Verdict.FAIL
    assert over.summary == "release flow took 121.00 s (budget 120 s)"
    at_budget = checks.flow_duration(_flow(60.0, 60.0), budget_s=120)
    assert at_budget.verdict is Verdict.FAIL  # exactly the budget is over it
    failed = checks.flow_duration(_flow(0.5, returncode=1))
    assert failed.verdict is Verdict.FAIL
    assert failed.summary == "release flow took 0.50 s (budget 120 s); step releases-new failed (exit 1)"


def test_a_failing_step_stops_the_flow_and_fails_the_duration_check(
    sentry_cli: Path, sentry_org: SentryOrg, fresh_copy: Callable[[str], Path]
) -> None:
    dist = fresh_copy("hardened")
    flow = ReleaseFlow(sentry_cli, sentry_org.cli_target("web", token="sntryu_wrong"), RELEASE, dist).run()
    assert not flow.ok
    assert [s.name for s in flow.steps] == ["releases-new"]
    assert "Invalid token" in flow.steps[0].stderr
    result = checks.flow_duration(flow)
    assert result.verdict is Verdict.FAIL
    assert "step releases-new failed (exit 1)" in result.summary


def test_the_duration_check_fails_over_budget(
    sentry_cli: Path, sentry_org: SentryOrg, fresh_copy: Callable[[str], Path]
) -> None:
    sentry_org.api.add_fault("latency", latency_ms=300, org=sentry_org.slug, endpoint="assemble")
    flow = ReleaseFlow(sentry_cli, sentry_org.cli_target("web"), RELEASE, fresh_copy("hardened")).run()
    assert flow.ok
    result = checks.flow_duration(flow, budget_s=0.5)
    # The flow takes at least the 600 ms injected (a floor by construction), so over the 0.5 s budget
    # whatever the machine: a correct build cannot fail this.
    assert result.verdict is Verdict.FAIL
    assert result.summary.startswith("release flow took ")
    assert flow.timings()["sourcemaps-upload"] >= 0.6  # two assemble calls, 300 ms each
