"""``sentry-gate run``: start what a profile needs, run its suites, write the report.

At this stage of the project only the ingest exists; the suites arrive with later issues. The
command still does its whole job honestly: it starts the ingest, looks for each suite the profile
names, says which are missing, and writes the report.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.ingest import IngestClient, start_ingest
from harness.report import RunInfo, write_report
from harness.results import CheckResult, Verdict, overall_verdict

PROFILES: dict[str, list[str]] = {
    "pre-release": ["production", "privacy", "release"],
    "privacy-audit": ["privacy"],
    "chaos": ["chaos"],
    "load": ["performance"],
    "all": ["production", "privacy", "release", "chaos", "performance"],
}
EXIT_CODES = {Verdict.PASS: 0, Verdict.SKIPPED: 0, Verdict.FAIL: 1, Verdict.INCONCLUSIVE: 3}


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run a gate profile against a target and write the report")
    run.add_argument("--profile", choices=sorted(PROFILES), default="pre-release")
    run.add_argument(
        "--target",
        default="bundled:express-vue",
        help="bundled:express-vue, bundled:python-api, or the URL of a deployment",
    )
    run.add_argument("--reports", type=Path, default=Path("reports"), help="where reports/<run id>/ goes")
    run.add_argument("--suites", type=Path, default=Path("suites"), help="the suites folder")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    started = time.time()
    run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started)) + f"-{args.profile}"
    wanted = PROFILES[args.profile]
    found = [s for s in wanted if any((args.suites / s).glob("test_*.py"))]
    missing = [s for s in wanted if s not in found]
    results: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="sentry-gate-ingest-") as tmp:
        ingest = start_ingest(Path(tmp))
        try:
            with IngestClient(ingest.url) as client:
                health = client.health()
            notes = [f"ingest healthy: {health['ok']} (queue depth {health['queue_depth']})"]
            if found:
                notes.append("suite execution arrives with the suites' issues; found: " + ", ".join(found))
        finally:
            ingest.stop()
    info = RunInfo(
        run_id=run_id,
        profile=args.profile,
        target=args.target,
        started_at=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)),
        duration_s=time.time() - started,
        ingest_url=ingest.url,
        suites_found=found,
        suites_missing=missing,
        notes=notes,
    )
    path = write_report(args.reports, info, results)
    verdict = overall_verdict(results)
    print(
        f"sentry-gate: profile {args.profile}: {len(results)} check(s) ran; "
        f"{len(missing)} suite(s) not available yet ({', '.join(missing) or 'none'})"
    )
    print(f"report: {path}")
    return EXIT_CODES[verdict]
