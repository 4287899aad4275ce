"""Release checks against the bundled target (Express + Vue): the pipeline, the maps, the events.

One module-scoped run per target variant: the target is started (hardened, or each mutant named in
the settings' ``self_test`` mutants, ``hardened`` included by name), the
CI pipeline's release steps run with the real ``sentry-cli`` against the fake web
API for the build the target serves, and Chromium throws from every site of the client's
``throw-sites.json``. Each test is one check and fails naming its id and the measured value.

Pipeline mutants (``maps-not-uploaded``, ``stale-maps``, ``release-not-finalized``) change the
release steps as ``targets/express_vue/release.sh`` does; build-time mutants change the folder the
target serves (``client/dist-<mutant>``).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from harness.common.browser import chromium, require_chromium
from harness.recorder import CheckRecorder
from harness.release import checks
from harness.release.browser import Trigger, capture_throw_sites
from harness.release.dist import BuiltFile, map_files, scan_dist
from harness.release.flow import FlowResult, ReleaseFlow
from harness.release.resolve import BundleIndex, load_throw_sites, measure_accuracy
from harness.release.sentry_cli import CliTarget
from harness.settings import Settings
from harness.targets.fixtures import TargetFactory
from harness.targets.launcher import bundled_description
from harness.targets.options import DEFAULT_RELEASE
from harness.targets.target import Target
from harness.webapi import WebApiClient

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = pytest.mark.needs("bundled")


@cache
def client_dir() -> Path:
    """The express-vue client's folder, from that app's target file (the run's own copy, if it is one)."""
    described = bundled_description("express-vue")
    build = described.model.app.build
    return described.resolve(build.cwd if build else ".") / "client"


BUILD_MUTANTS = ("maps-referenced", "no-debug-ids")
ENVIRONMENT = "production"
# How each throw site of the Vue client is triggered, and the text its event's message carries.
TRIGGERS = {
    "click-throw": ("#throw", "gate client throw {marker}"),
    "click-reject": ("#reject", "gate client reject {marker}"),
    "failing-api": ("#fail-api", "gate client api 500 {marker}"),
}


@dataclass
class Released:
    target: Target
    api: WebApiClient
    org: str
    release: str
    flow: FlowResult
    served: list[BuiltFile]
    uploaded: list[BuiltFile]
    served_dir: Path


def _variants() -> list[str | None]:
    names = Settings.from_environ().self_test.variants()
    return [None if m == "hardened" else m for m in names] or [None]


def _variant_id(mutant: str | None) -> str:
    return (mutant or "hardened").replace("-", "_")


@pytest.fixture(scope="module", params=_variants(), ids=_variant_id)
def released(
    request: pytest.FixtureRequest,
    target_factory: TargetFactory,
    sentry_webapi: WebApiClient,
    sentry_cli: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Released]:
    mutant: str | None = request.param
    target = target_factory("express-vue", environment=ENVIRONMENT, release=DEFAULT_RELEASE, mutant=mutant)
    assert target.browser_project is not None
    served_dir = client_dir() / f"dist-{mutant}" if mutant in BUILD_MUTANTS else client_dir() / "dist"
    upload_dir = client_dir() / "dist-stale-maps" if mutant == "stale-maps" else served_dir
    work = tmp_path_factory.mktemp("release")
    copy = work / "upload"
    shutil.copytree(upload_dir, copy)  # sentry-cli injects in place: never into the checkout
    skip = {
        "maps-not-uploaded": ["sourcemaps-upload"],
        "release-not-finalized": ["releases-finalize", "deploys-new"],
    }.get(mutant or "", [])
    org = f"gate-{secrets.token_hex(6)}"
    token = sentry_webapi.create_token(org)
    cli_target = CliTarget(url=sentry_webapi.url, token=token, org=org, project=str(target.browser_project.id))
    flow = ReleaseFlow(sentry_cli, cli_target, DEFAULT_RELEASE, copy, environment=ENVIRONMENT, skip=skip).run()
    assert flow.ok, f"release step {flow.failed.name if flow.failed else ''} failed: {flow.failed}"
    with WebApiClient(sentry_webapi.url, token=token) as api:
        yield Released(target, api, org, DEFAULT_RELEASE, flow, scan_dist(served_dir), scan_dist(copy), served_dir)


def _bundles(r: Released) -> list[dict[str, Any]]:
    return r.api.bundles(r.org, release=r.release)


def test_release_pipeline_release_exists(released: Released, gate_check: CheckRecorder) -> None:
    gate_check(checks.release_exists(released.api.release(released.org, released.release), released.release))


def test_release_pipeline_finalize(released: Released, gate_check: CheckRecorder) -> None:
    gate_check(checks.release_finalized(released.api.release(released.org, released.release), released.release))


def test_release_pipeline_deploy(released: Released, gate_check: CheckRecorder) -> None:
    deploys = released.api.deploys(released.org, released.release)
    gate_check(checks.release_deployed(deploys, released.release, ENVIRONMENT))


def test_release_pipeline_duration(released: Released, gate_check: CheckRecorder) -> None:
    print("release flow steps (s):", released.flow.timings())
    gate_check(checks.flow_duration(released.flow))


def test_release_sourcemaps_debug_ids(released: Released, gate_check: CheckRecorder) -> None:
    gate_check(checks.debug_ids_injected(released.served))


def test_release_sourcemaps_uploaded(released: Released, gate_check: CheckRecorder) -> None:
    gate_check(checks.maps_uploaded(released.uploaded, _bundles(released)))


def test_release_sourcemaps_matching(released: Released, gate_check: CheckRecorder) -> None:
    gate_check(checks.maps_match_served(released.served, _bundles(released)))


def test_release_sourcemaps_hidden(released: Released, gate_check: CheckRecorder) -> None:
    gate_check(checks.maps_hidden(released.served))


def test_release_sourcemaps_not_public(released: Released, gate_check: CheckRecorder) -> None:
    statuses: dict[str, int] = {}
    for path in map_files(released.served_dir):
        url = "/" + path.relative_to(released.served_dir).as_posix()
        statuses[url] = released.target.http.get(url).status_code
    gate_check(checks.maps_not_public(statuses))


@pytest.fixture(scope="module")
def captured(released: Released) -> dict[str, dict[str, Any] | None]:
    require_chromium()
    project = released.target.browser_project
    assert project is not None
    marker = f"rel-{secrets.token_hex(4)}"
    sites = load_throw_sites(client_dir() / "throw-sites.json")
    unknown = [s.id for s in sites if s.id not in TRIGGERS]
    assert not unknown, f"throw sites without a trigger in this suite: {unknown}"
    triggers = [Trigger(s.id, TRIGGERS[s.id][0], TRIGGERS[s.id][1].format(marker=marker)) for s in sites]
    with chromium() as browser:
        return capture_throw_sites(browser, f"{released.target.url}/errors?marker={marker}", triggers, project)


def _event_releases(captured: dict[str, dict[str, Any] | None]) -> list[str | None]:
    return [e.get("release") for e in captured.values() if e is not None]


def test_release_events_release(
    released: Released, captured: dict[str, dict[str, Any] | None], gate_check: CheckRecorder
) -> None:
    gate_check(checks.events_carry_release(_event_releases(captured), released.release))


def test_release_events_release_match(
    released: Released, captured: dict[str, dict[str, Any] | None], gate_check: CheckRecorder
) -> None:
    gate_check(checks.events_match_bundle_release(_event_releases(captured), _bundles(released)))


def test_release_sourcemaps_accuracy(
    released: Released, captured: dict[str, dict[str, Any] | None], gate_check: CheckRecorder
) -> None:
    listing = released.api.bundles(released.org)
    index = BundleIndex.from_bundles(
        [released.api.bundle(b["id"]) for b in listing],
        releases=[link["release"] for b in listing for link in b["links"] if link["release"]],
    )
    report = measure_accuracy(load_throw_sites(client_dir() / "throw-sites.json"), captured, index)
    result = report.check()
    print(result.summary)
    for frame in result.evidence["frames"]:
        print(frame)
    gate_check(result)


def test_release_probe_of_unknown_path_is_not_a_map(released: Released) -> None:
    """A positive control for the not-public probe: the target answers, and a made-up map is 404."""
    answer = released.target.http.get("/assets/does-not-exist.js.map")
    assert answer.status_code == 404, answer.status_code


def _cli(cli: Path, target: CliTarget, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli), *args], env=target.env(), capture_output=True, text=True, timeout=120, check=False)


def test_release_cli_retry(sentry_cli: Path, sentry_webapi: WebApiClient, gate_check: CheckRecorder) -> None:
    """A 503 from Sentry makes sentry-cli retry (one retry allowed) and the release still gets created."""
    org = f"gate-{secrets.token_hex(6)}"
    token = sentry_webapi.create_token(org)
    sentry_webapi.add_fault(status=503, endpoint="releases", org=org, count=1)
    target = CliTarget(url=sentry_webapi.url, token=token, org=org, project="web", max_retries=1)
    done = _cli(sentry_cli, target, "releases", "new", DEFAULT_RELEASE)
    statuses = [r.status for r in sentry_webapi.requests(org) if r.endpoint == "releases"]
    gate_check(checks.cli_retried(statuses, done.returncode))


def test_release_api_auth(sentry_cli: Path, sentry_webapi: WebApiClient, gate_check: CheckRecorder) -> None:
    """A wrong token is refused as Sentry refuses it, and nothing is created."""
    org = f"gate-{secrets.token_hex(6)}"
    token = sentry_webapi.create_token(org)
    forged = CliTarget(url=sentry_webapi.url, token="sntryu_" + "0" * 64, org=org, project="web", max_retries=0)
    done = _cli(sentry_cli, forged, "releases", "new", DEFAULT_RELEASE)
    [logged] = sentry_webapi.requests(org)
    with WebApiClient(sentry_webapi.url, token=token) as api:
        created = api.release(org, DEFAULT_RELEASE) is not None
    gate_check(checks.wrong_token_refused(logged.status, done.returncode, created))
