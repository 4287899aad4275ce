"""Source-map accuracy end to end: real sentry-cli uploads, real @sentry/browser in Chromium, symbolic.

The fixture client throws from four marked places (two output files, promise jobs and timers
included); each event's frame is resolved through the uploaded bundle by its debug ID. The
hardened pipeline reaches 100%; each mutant falls below the threshold (or fails its own check),
and the failure names the check id and the measured value.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.ingest import ProjectHandle
from harness.release import checks
from harness.release.browser import Trigger, capture_throw_sites
from harness.release.dist import scan_dist
from harness.release.fixtures import SentryOrg
from harness.release.flow import ReleaseFlow
from harness.release.resolve import BundleIndex, collect_throw_sites, measure_accuracy
from harness.results import Verdict
from tests.release.fixture_client import ROOT, serve

pytestmark = [pytest.mark.browser, pytest.mark.node]

RELEASE = "fixture@1.0.0"
SITES = collect_throw_sites(ROOT)
TRIGGERS = [Trigger(s.id, f"#{s.id}", f"gate fixture {s.id}") for s in SITES]


def _flow(cli: Path, org: SentryOrg, dist: Path, **kwargs: Any) -> None:
    result = ReleaseFlow(cli, org.cli_target("web"), RELEASE, dist, **kwargs).run()
    assert result.ok, result.failed


def _capture(browser: Any, dist: Path, project: ProjectHandle, release: str | None) -> dict[str, Any]:
    config = {"dsn": project.dsn, "release": release, "environment": "production"}
    with serve(dist, config) as url:
        return capture_throw_sites(browser, f"{url}/index.html", TRIGGERS, project)


def _accuracy(org: SentryOrg, events: Mapping[str, Any]) -> Any:
    listing = org.api.bundles(org.slug)
    index = BundleIndex.from_bundles(
        [org.api.bundle(b["id"]) for b in listing],
        releases=[link["release"] for b in listing for link in b["links"] if link["release"]],
    )
    return measure_accuracy(SITES, events, index)


def test_the_fixture_marks_four_throw_sites() -> None:
    assert [(s.id, s.file, s.function) for s in SITES] == [
        ("lazy-throw", "src/lazy/report.js", "explodeInPromise"),
        ("timer-throw", "src/lazy/report.js", "explodeOnTimer"),
        ("click-throw", "src/lib/faults.js", "throwFromClick"),
        ("nested-throw", "src/lib/faults.js", "innerThrow"),
    ]


@pytest.fixture
def hardened_events(
    chromium_browser: Any,
    sentry_cli: Path,
    sentry_org: SentryOrg,
    sentry_project: ProjectHandle,
    fresh_copy: Callable[[str], Path],
) -> dict[str, Any]:
    dist = fresh_copy("hardened")
    _flow(sentry_cli, sentry_org, dist)
    events = _capture(chromium_browser, dist, sentry_project, RELEASE)
    return {"events": events, "dist": dist}


def test_hardened_pipeline_resolves_every_frame(hardened_events: dict[str, Any], sentry_org: SentryOrg) -> None:
    events = hardened_events["events"]
    report = _accuracy(sentry_org, events)
    result = report.check()
    assert result.passed, result.evidence["frames"]
    assert result.summary == "source-map accuracy 100.0% (4/4 frames; threshold 95%)"
    releases = [e.get("release") for e in events.values() if e]
    bundles = sentry_org.api.bundles(sentry_org.slug, release=RELEASE)
    assert checks.events_carry_release(releases, RELEASE).passed
    assert checks.events_match_bundle_release(releases, bundles).passed
    assert checks.maps_match_served(scan_dist(hardened_events["dist"]), bundles).passed


def test_stale_maps_fail_accuracy_and_matching(
    hardened_events: dict[str, Any],
    sentry_cli: Path,
    sentry_webapi: Any,
    fresh_copy: Callable[[str], Path],
    request: pytest.FixtureRequest,
) -> None:
    # Same served files and events as the hardened run; the release's upload comes from another build.
    stale_org = _other_org(sentry_webapi, request, "stale")
    stale = fresh_copy("stale")
    _flow(sentry_cli, stale_org, stale)
    result = _accuracy(stale_org, hardened_events["events"]).check()
    assert result.verdict is Verdict.FAIL
    assert result.check_id == "release.sourcemaps.accuracy"
    assert result.summary == "source-map accuracy 0.0% (0/4 frames; threshold 95%); unresolved: map-missing 4"
    matching = checks.maps_match_served(scan_dist(hardened_events["dist"]), stale_org.api.bundles(stale_org.slug))
    assert matching.verdict is Verdict.FAIL
    assert matching.summary == "0/2 served JS files have an uploaded map with their debug ID"


def test_maps_not_uploaded_fail_accuracy(
    hardened_events: dict[str, Any],
    sentry_cli: Path,
    sentry_webapi: Any,
    fresh_copy: Callable[[str], Path],
    request: pytest.FixtureRequest,
) -> None:
    bare_org = _other_org(sentry_webapi, request, "bare")
    dist = fresh_copy("hardened")
    _flow(sentry_cli, bare_org, dist, skip=["sourcemaps-upload"])
    result = _accuracy(bare_org, hardened_events["events"]).check()
    assert result.verdict is Verdict.FAIL
    assert result.summary.endswith("(0/4 frames; threshold 95%); unresolved: release-mismatch 4")
    uploaded = checks.maps_uploaded(scan_dist(dist), bare_org.api.bundles(bare_org.slug, release=RELEASE))
    assert uploaded.verdict is Verdict.FAIL
    assert uploaded.summary == "0 bundle(s) for the release; a source map for 0/2 built JS files"


def test_debug_ids_not_injected_fail_accuracy(
    chromium_browser: Any,
    sentry_cli: Path,
    sentry_org: SentryOrg,
    sentry_project: ProjectHandle,
    fresh_copy: Callable[[str], Path],
) -> None:
    dist = fresh_copy("hardened")
    _flow(sentry_cli, sentry_org, dist, skip=["sourcemaps-inject"])
    events = _capture(chromium_browser, dist, sentry_project, RELEASE)
    result = _accuracy(sentry_org, events).check()
    assert result.verdict is Verdict.FAIL
    assert result.summary == "source-map accuracy 0.0% (0/4 frames; threshold 95%); unresolved: no-debug-id 4"
    injected = checks.debug_ids_injected(scan_dist(dist))
    assert injected.verdict is Verdict.FAIL
    assert injected.summary == "0/2 built JS files carry a debug ID; 0 with a map whose debug ID differs"


def test_release_missing_from_events_fails_the_release_checks(
    chromium_browser: Any,
    sentry_cli: Path,
    sentry_org: SentryOrg,
    sentry_project: ProjectHandle,
    fresh_copy: Callable[[str], Path],
) -> None:
    dist = fresh_copy("hardened")
    _flow(sentry_cli, sentry_org, dist)
    events = _capture(chromium_browser, dist, sentry_project, None)
    releases = [e.get("release") for e in events.values() if e]
    assert len(releases) == 4
    result = checks.events_carry_release(releases, RELEASE)
    assert result.verdict is Verdict.FAIL
    assert result.check_id == "release.events.release"
    assert result.summary == "0/4 events carry release 'fixture@1.0.0'; seen ['None']"
    mismatch = checks.events_match_bundle_release(releases, sentry_org.api.bundles(sentry_org.slug))
    assert mismatch.verdict is Verdict.FAIL


def _other_org(webapi: Any, request: pytest.FixtureRequest, label: str) -> SentryOrg:
    from harness.webapi import WebApiClient

    slug = f"{label}-{abs(hash(request.node.nodeid)) % 10**10}"
    token = webapi.create_token(slug)
    api = WebApiClient(webapi.url, token=token)
    request.addfinalizer(api.close)
    return SentryOrg(slug=slug, token=token, api=api)


def test_cli_inject_is_deterministic(sentry_cli: Path, fresh_copy: Callable[[str], Path]) -> None:
    """Why the stale-maps test may reuse the hardened run's events: injecting the same build twice
    gives the same debug IDs, so the served files are the hardened run's."""
    a, b = fresh_copy("hardened"), fresh_copy("referenced")
    del b
    first = a.parent / "again"
    subprocess.run(["cp", "-r", str(a), str(first)], check=True)
    for folder in (a, first):
        subprocess.run([str(sentry_cli), "sourcemaps", "inject", str(folder)], check=True, capture_output=True)
    assert [f.debug_id for f in scan_dist(a)] == [f.debug_id for f in scan_dist(first)]
