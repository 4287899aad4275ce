"""``sentry-gate release``: run the release flow with the real ``sentry-cli`` and check what it left.

Against a fake Sentry it starts itself (the default) or one already running (``--sentry-url``):
``releases new``, ``sourcemaps inject``, ``sourcemaps upload``, ``releases finalize``, ``deploys new``
on a built client folder, each step timed; then the pipeline checks (release exists, finalized,
deployed to the environment, debug IDs injected, a map for every built JS file, maps matching the
served files, under the 2-minute budget). Exit code 0 when every check passes, 1 otherwise, 2 on a
usage or set-up error. Registered in ``harness.cli`` as ``release``; the flow and its checks live in
`harness.release`, this module only parses, runs and prints.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from harness.ingest import start_ingest
from harness.release import checks
from harness.release.dist import scan_dist
from harness.release.flow import STEPS, FlowResult, ReleaseFlow
from harness.release.sentry_cli import CliTarget, find_sentry_cli, sentry_cli_version
from harness.results import CheckResult, overall_verdict
from harness.settings import Settings
from harness.webapi import WebApiClient


def register(sub: Any) -> None:
    p = sub.add_parser("release", help="run the release flow with the real sentry-cli and check the result")
    p.add_argument("--dist", type=Path, required=True, help="the built client folder (debug IDs injected in place)")
    p.add_argument("--release", required=True, help="the release version")
    p.add_argument("--environment", default="production", help="the deploy's environment (default production)")
    p.add_argument("--url-prefix", default="~/", help="URL prefix of the uploaded files (default ~/)")
    p.add_argument("--upload-dist", type=Path, default=None, help="upload this folder instead of --dist")
    p.add_argument("--skip", action="append", default=[], choices=STEPS, help="leave a step out (repeatable)")
    p.add_argument("--sentry-url", default=None, help="a running sentry-gate fake Sentry (default: start one)")
    p.add_argument("--token", default=os.environ.get("SENTRY_AUTH_TOKEN"), help="auth token for --sentry-url")
    p.add_argument("--org", default="sentry-gate", help="organization slug (default sentry-gate)")
    p.add_argument("--project", default="1", help="project slug (default 1)")
    p.add_argument("--max-retries", type=int, default=None, help="SENTRY_HTTP_MAX_RETRIES for sentry-cli")
    p.add_argument("--json", type=Path, default=None, help="also write steps and results as JSON here")
    p.set_defaults(handler=run)


def evaluate(
    api: WebApiClient,
    org: str,
    version: str,
    *,
    environment: str,
    flow: FlowResult,
    served: Path,
    uploaded: Path,
) -> list[CheckResult]:
    release = api.release(org, version)
    bundles = api.bundles(org, release=version)
    return [
        checks.release_exists(release, version),
        checks.release_finalized(release, version),
        checks.release_deployed(api.deploys(org, version), version, environment),
        checks.debug_ids_injected(scan_dist(served)),
        checks.maps_uploaded(scan_dist(uploaded), bundles),
        checks.maps_match_served(scan_dist(served), bundles),
        checks.flow_duration(flow),
    ]


def _print(flow: FlowResult, results: list[CheckResult], cli_version: str) -> None:
    print(f"sentry-cli {cli_version}")
    for step in flow.steps:
        print(f"  {step.name:<18} {step.seconds:7.3f} s  exit {step.returncode}")
    for name in flow.skipped:
        print(f"  {name:<18}    skipped")
    print(f"  {'total':<18} {flow.seconds:7.3f} s")
    if flow.failed is not None:
        print(f"step {flow.failed.name} failed:\n{flow.failed.stderr.strip()[-2000:]}", file=sys.stderr)
    for r in results:
        print(f"{r.verdict.value.upper():<5} {r.check_id}: {r.summary}")


def run(args: argparse.Namespace) -> int:
    cli = find_sentry_cli()
    if cli is None:
        print("sentry-gate release: no sentry-cli found (install the `sentry-cli` wheel)", file=sys.stderr)
        return 2
    if not args.dist.is_dir():
        print(f"sentry-gate release: {args.dist} is not a folder", file=sys.stderr)
        return 2
    if args.sentry_url:
        return _run_against(args, cli, args.sentry_url, args.token)
    token = "sntryu_" + secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="sentry-gate-release-") as tmp:
        ingest = start_ingest(Path(tmp), env=Settings(api_token=token).to_environ())
        try:
            return _run_against(args, cli, ingest.url, token)
        finally:
            ingest.stop()


def _run_against(args: argparse.Namespace, cli: Path, url: str, token: str | None) -> int:
    target = CliTarget(url=url, token=token, org=args.org, project=args.project, max_retries=args.max_retries)
    flow = ReleaseFlow(
        cli,
        target,
        args.release,
        args.dist,
        environment=args.environment,
        url_prefix=args.url_prefix,
        upload_dist=args.upload_dist,
        skip=args.skip,
    ).run()
    with WebApiClient(url, token=token) as api:
        results = evaluate(
            api,
            args.org,
            args.release,
            environment=args.environment,
            flow=flow,
            served=args.dist,
            uploaded=args.upload_dist or args.dist,
        )
    version = sentry_cli_version(cli)
    _print(flow, results, version)
    if args.json is not None:
        args.json.write_bytes(
            orjson.dumps(
                {"sentry_cli": version, "flow": flow.as_dict(), "results": [r.as_dict() for r in results]},
                option=orjson.OPT_INDENT_2,
            )
        )
    return 0 if overall_verdict(results).value == "pass" else 1
