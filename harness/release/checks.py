"""The release checks: pure functions from what the fake Sentry holds (and the built client) to results.

Each returns a `CheckResult` whose summary names the measured value, so a failing self-test shows
what was seen. Inputs are plain data (release and deploy JSON as Sentry's API answers them, bundle
listings from the gate's ``/api/0/_gate/bundles``, `BuiltFile`s), so the checks run the same from
pytest, the CLI and the benchmark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.release.dist import BuiltFile
from harness.release.flow import FlowResult
from harness.results import CheckResult, Verdict

FLOW_BUDGET_S = 120.0

Bundle = Mapping[str, Any]


def _result(check_id: str, passed: bool, summary: str, **evidence: Any) -> CheckResult:
    return CheckResult(check_id, Verdict.PASS if passed else Verdict.FAIL, summary, evidence)


def release_exists(release: Mapping[str, Any] | None, version: str) -> CheckResult:
    found = release is not None and release.get("version") == version
    return _result(
        "release.pipeline.release-exists",
        found,
        f"release {version!r} {'exists' if found else 'was not found'} in the organization",
        release=version,
        found=found,
    )


def release_finalized(release: Mapping[str, Any] | None, version: str) -> CheckResult:
    released = release.get("dateReleased") if release else None
    return _result(
        "release.pipeline.finalize",
        released is not None,
        f"release {version!r} dateReleased={released!r}" + ("" if released else ": never finalized"),
        release=version,
        date_released=released,
    )


def release_deployed(deploys: Sequence[Mapping[str, Any]], version: str, environment: str) -> CheckResult:
    environments = sorted({str(d.get("environment")) for d in deploys})
    ok = environment in environments
    return _result(
        "release.pipeline.deploy",
        ok,
        f"release {version!r} has {len(deploys)} deploy(s) in {environments or 'no environment'};"
        f" wanted one in {environment!r}",
        deploys=len(deploys),
        environments=environments,
        wanted=environment,
    )


def flow_duration(flow: FlowResult, budget_s: float = FLOW_BUDGET_S) -> CheckResult:
    ok = flow.ok and flow.seconds < budget_s
    failed = flow.failed
    tail = f"; step {failed.name} failed (exit {failed.returncode})" if failed else ""
    return _result(
        "release.pipeline.duration",
        ok,
        f"release flow took {flow.seconds:.2f} s (budget {budget_s:g} s){tail}",
        seconds=round(flow.seconds, 3),
        budget_s=budget_s,
        steps=flow.timings(),
    )


def _bundle_files(bundles: Iterable[Bundle]) -> list[Mapping[str, Any]]:
    return [f for b in bundles for f in b.get("files", [])]


def debug_ids_injected(built: Sequence[BuiltFile]) -> CheckResult:
    """Every built JS file carries a debug ID, and its map carries the same one."""
    missing = [f.relative for f in built if f.debug_id is None]
    mismatched = [f.relative for f in built if f.debug_id is not None and f.map_debug_id != f.debug_id]
    ok = bool(built) and not missing and not mismatched
    return _result(
        "release.sourcemaps.debug-ids",
        ok,
        f"{len(built) - len(missing)}/{len(built)} built JS files carry a debug ID;"
        f" {len(mismatched)} with a map whose debug ID differs",
        js_files=len(built),
        without_debug_id=missing,
        map_debug_id_differs=mismatched,
    )


def maps_uploaded(uploaded: Sequence[BuiltFile], bundles: Sequence[Bundle], url_prefix: str = "~/") -> CheckResult:
    """The release's bundles hold a source map for every JS file of the uploaded build."""
    files = _bundle_files(bundles)
    maps_by_id = {f.get("debug_id") for f in files if f.get("type") == "source_map" and f.get("debug_id")}
    sources = {f.get("url"): f for f in files if f.get("type") == "minified_source"}
    without: list[str] = []
    for built in uploaded:
        if built.debug_id is not None and built.debug_id in maps_by_id:
            continue
        entry = sources.get(built.url(url_prefix))
        ref = entry.get("sourcemap") if entry else None
        if ref and any(f.get("type") == "source_map" and str(f.get("url", "")).endswith(ref) for f in files):
            continue
        without.append(built.relative)
    covered = len(uploaded) - len(without)
    ok = bool(bundles) and bool(uploaded) and not without
    return _result(
        "release.sourcemaps.uploaded",
        ok,
        f"{len(bundles)} bundle(s) for the release; a source map for {covered}/{len(uploaded)} built JS files",
        bundles=len(bundles),
        js_files=len(uploaded),
        without_map=without,
    )


def maps_match_served(served: Sequence[BuiltFile], bundles: Sequence[Bundle]) -> CheckResult:
    """Every served JS file's debug ID has a source map of the same debug ID in the uploaded bundles."""
    files = _bundle_files(bundles)
    map_ids = {f.get("debug_id") for f in files if f.get("type") == "source_map" and f.get("debug_id")}
    unmatched = [f.relative for f in served if f.debug_id is None or f.debug_id not in map_ids]
    matched = len(served) - len(unmatched)
    return _result(
        "release.sourcemaps.matching",
        bool(served) and not unmatched,
        f"{matched}/{len(served)} served JS files have an uploaded map with their debug ID",
        js_files=len(served),
        matched=matched,
        unmatched=unmatched,
        uploaded_map_debug_ids=len(map_ids),
    )


def maps_hidden(served: Sequence[BuiltFile]) -> CheckResult:
    """No served JS file points browsers at its map (``//# sourceMappingURL=``)."""
    referencing = [f.relative for f in served if f.sourcemap_url is not None]
    return _result(
        "release.sourcemaps.hidden",
        not referencing,
        f"{len(referencing)}/{len(served)} served JS files reference a source map",
        referencing=referencing,
    )


def maps_not_public(statuses: Mapping[str, int]) -> CheckResult:
    """Every map URL of the build answers something other than 200 from the deployment."""
    public = sorted(url for url, status in statuses.items() if status == 200)
    return _result(
        "release.sourcemaps.not-public",
        bool(statuses) and not public,
        f"{len(public)}/{len(statuses)} source-map URLs are served publicly (HTTP 200)",
        probed=len(statuses),
        public=public,
    )


def events_carry_release(releases: Sequence[str | None], expected: str) -> CheckResult:
    wrong = [r for r in releases if r != expected]
    return _result(
        "release.events.release",
        bool(releases) and not wrong,
        f"{len(releases) - len(wrong)}/{len(releases)} events carry release {expected!r}"
        + (f"; seen {sorted({str(r) for r in wrong})}" if wrong else ""),
        events=len(releases),
        expected=expected,
        other=sorted({str(r) for r in wrong}),
    )


def events_match_bundle_release(releases: Sequence[str | None], bundles: Sequence[Bundle]) -> CheckResult:
    """The release events report is one the uploaded bundles were uploaded for."""
    uploaded = sorted({str(link.get("release")) for b in bundles for link in b.get("links", []) if link.get("release")})
    wrong = [r for r in releases if r not in uploaded]
    return _result(
        "release.events.release-match",
        bool(releases) and bool(uploaded) and not wrong,
        f"{len(releases) - len(wrong)}/{len(releases)} events report a release that has uploaded maps"
        f" (uploaded for {uploaded or 'none'})",
        events=len(releases),
        uploaded_releases=uploaded,
        other=sorted({str(r) for r in wrong}),
    )


def cli_retried(statuses: Sequence[int], exit_code: int) -> CheckResult:
    """A scripted 5xx was followed by a retry that succeeded, and the CLI finished with exit 0."""
    first_failure = next((i for i, s in enumerate(statuses) if s >= 500), None)
    recovered = first_failure is not None and any(200 <= s < 300 for s in statuses[first_failure + 1 :])
    ok = recovered and exit_code == 0
    return _result(
        "release.cli.retry",
        ok,
        f"answers seen {list(statuses)}; sentry-cli exit {exit_code}",
        statuses=list(statuses),
        exit_code=exit_code,
        retries=len(statuses) - 1,
    )


def wrong_token_refused(status: int | None, exit_code: int, created: bool) -> CheckResult:
    ok = status == 401 and exit_code != 0 and not created
    return _result(
        "release.api.auth",
        ok,
        f"wrong token answered {status}; sentry-cli exit {exit_code}; release created: {created}",
        status=status,
        exit_code=exit_code,
        created=created,
    )
