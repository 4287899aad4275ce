"""The real ``sentry-cli`` against the fake web API in the ingest process (real sockets)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import orjson

from harness.release import checks
from harness.release.dist import scan_dist
from harness.release.fixtures import SentryOrg
from harness.release.flow import ReleaseFlow
from harness.results import Verdict


def _write_dist(root: Path, files: int = 2, filler: int = 0) -> Path:
    """Tiny JS files with valid source maps, written directly (no bundler needed for API tests)."""
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    rng = random.Random(files * 1000 + filler)
    for i in range(files):
        noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(filler))
        code = f'function f{i}(){{throw new Error("x{i}")}}f{i}();\n/*{noise}*/\n'
        (dist / "assets" / f"chunk{i}.js").write_text(code)
        smap = {"version": 3, "file": f"chunk{i}.js", "sources": [f"../src/c{i}.js"], "names": [], "mappings": "AAAA"}
        (dist / "assets" / f"chunk{i}.js.map").write_bytes(orjson.dumps(smap))
    return dist


def _cli(cli: Path, org: SentryOrg, *args: str, **target: object) -> subprocess.CompletedProcess[str]:
    env = org.cli_target("web", **target).env()  # type: ignore[arg-type]
    return subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_whole_flow_with_the_real_cli(sentry_cli: Path, sentry_org: SentryOrg, tmp_path: Path) -> None:
    dist = _write_dist(tmp_path)
    flow = ReleaseFlow(sentry_cli, sentry_org.cli_target("web"), "web@1.0.0", dist, environment="staging").run()
    assert flow.ok, flow.failed
    assert [s.name for s in flow.steps] == [
        "releases-new",
        "sourcemaps-inject",
        "sourcemaps-upload",
        "releases-finalize",
        "deploys-new",
    ]
    api = sentry_org.api
    release = api.release(sentry_org.slug, "web@1.0.0")
    bundles = api.bundles(sentry_org.slug, release="web@1.0.0")
    built = scan_dist(dist)
    results = [
        checks.release_exists(release, "web@1.0.0"),
        checks.release_finalized(release, "web@1.0.0"),
        checks.release_deployed(api.deploys(sentry_org.slug, "web@1.0.0"), "web@1.0.0", "staging"),
        checks.debug_ids_injected(built),
        checks.maps_uploaded(built, bundles),
        checks.maps_match_served(built, bundles),
    ]  # not flow_duration: a real flow's time is not asserted (its budget is unit-tested in test_flow.py)
    assert [r.check_id for r in results if not r.passed] == [], [r.summary for r in results]
    [bundle] = bundles
    assert bundle["attributes"]["release"] == "web@1.0.0"
    assert {f["url"] for f in bundle["files"]} == {
        "~/assets/chunk0.js",
        "~/assets/chunk0.js.map",
        "~/assets/chunk1.js",
        "~/assets/chunk1.js.map",
    }
    parsed = api.bundle(bundle["id"])
    js = parsed.by_url("~/assets/chunk0.js")
    assert js is not None
    assert js.debug_id == built[0].debug_id
    assert js.sourcemap == "chunk0.js.map"
    endpoints = [(r.method, r.endpoint, r.status) for r in api.requests(sentry_org.slug)]
    assert endpoints[:5] == [
        ("POST", "releases", 201),
        ("GET", "chunk-upload", 200),
        ("POST", "assemble", 200),
        ("POST", "chunk-upload", 200),
        ("POST", "assemble", 200),
    ]


def test_a_large_bundle_goes_up_in_several_chunks(
    sentry_cli: Path, sentry_org: SentryOrg, sentry_webapi: object, tmp_path: Path
) -> None:
    dist = _write_dist(tmp_path, files=3, filler=40_000)
    before = sentry_org.api.config()
    sentry_org.api.config(chunk_size=16 * 1024, chunks_per_request=2)
    try:
        done = _cli(sentry_cli, sentry_org, "sourcemaps", "upload", "--release", "big", str(dist))
    finally:
        sentry_org.api.config(chunk_size=before["chunk_size"], chunks_per_request=before["chunks_per_request"])
    assert done.returncode == 0, done.stderr
    uploads = [
        r for r in sentry_org.api.requests(sentry_org.slug) if r.endpoint == "chunk-upload" and r.method == "POST"
    ]
    assert len(uploads) >= 2  # two chunks per request at most, more than two chunks
    [bundle] = sentry_org.api.bundles(sentry_org.slug, release="big")
    assert bundle["size"] > 16 * 1024
    assert bundle["file_count"] == 6


def test_a_503_makes_the_cli_retry_and_the_gate_reports_it(sentry_cli: Path, sentry_org: SentryOrg) -> None:
    sentry_org.api.add_fault(status=503, endpoint="releases", org=sentry_org.slug, count=1)
    done = _cli(sentry_cli, sentry_org, "releases", "new", "retried", max_retries=1)
    statuses = [r.status for r in sentry_org.api.requests(sentry_org.slug) if r.endpoint == "releases"]
    result = checks.cli_retried(statuses, done.returncode)
    assert result.passed, result.summary
    assert result.summary == "answers seen [503, 201]; sentry-cli exit 0"


def test_the_retry_check_fails_when_the_cli_gives_up(sentry_cli: Path, sentry_org: SentryOrg) -> None:
    sentry_org.api.add_fault(status=503, endpoint="releases", org=sentry_org.slug, count=1)
    done = _cli(sentry_cli, sentry_org, "releases", "new", "not-retried", max_retries=0)
    assert "(http status: 503)" in done.stderr
    statuses = [r.status for r in sentry_org.api.requests(sentry_org.slug) if r.endpoint == "releases"]
    result = checks.cli_retried(statuses, done.returncode)
    assert result.verdict is Verdict.FAIL
    assert result.check_id == "release.cli.retry"
    assert result.summary == "answers seen [503]; sentry-cli exit 1"


def test_a_wrong_token_is_refused(sentry_cli: Path, sentry_org: SentryOrg) -> None:
    done = _cli(sentry_cli, sentry_org, "releases", "new", "forged", token="sntryu_" + "0" * 64)
    assert "sentry reported an error: Invalid token (http status: 401)" in done.stderr
    [logged] = sentry_org.api.requests(sentry_org.slug)
    created = sentry_org.api.release(sentry_org.slug, "forged") is not None
    result = checks.wrong_token_refused(logged.status, done.returncode, created)
    assert result.passed, result.summary
    # The check fails against an API that let the forged token through (here: the real token).
    accepted = _cli(sentry_cli, sentry_org, "releases", "new", "forged")
    failing = checks.wrong_token_refused(201, accepted.returncode, True)
    assert failing.verdict is Verdict.FAIL
    assert "answered 201" in failing.summary


def test_another_organizations_token_is_refused(sentry_cli: Path, sentry_org: SentryOrg, sentry_webapi: object) -> None:
    from harness.webapi import WebApiClient

    assert isinstance(sentry_webapi, WebApiClient)
    other = sentry_webapi.create_token("some-other-org")
    done = _cli(sentry_cli, sentry_org, "releases", "new", "x", token=other)
    assert "Unauthorized organization access. (http status: 401)" in done.stderr


def test_a_connection_reset_is_not_retried_by_the_cli(sentry_cli: Path, sentry_org: SentryOrg) -> None:
    """sentry-cli retries statuses (502/503/504/507/524), not a dropped connection: it fails at once."""
    sentry_org.api.add_fault("reset", endpoint="releases", org=sentry_org.slug, count=1)
    done = _cli(sentry_cli, sentry_org, "releases", "new", "reset", max_retries=3)
    assert done.returncode == 1
    assert "API request failed" in done.stderr
    [logged] = sentry_org.api.requests(sentry_org.slug)
    assert (logged.status, logged.reason) == (0, f"fault {logged.fault}: reset")


def test_latency_is_added_and_the_request_still_answers(sentry_cli: Path, sentry_org: SentryOrg) -> None:
    sentry_org.api.add_fault("latency", latency_ms=250, endpoint="releases", org=sentry_org.slug, count=1)
    done = _cli(sentry_cli, sentry_org, "releases", "new", "slow")
    assert done.returncode == 0, done.stderr
    [logged] = sentry_org.api.requests(sentry_org.slug)
    assert logged.status == 201
    assert logged.duration_ms >= 250  # the injected delay, a floor by construction: cannot fail
