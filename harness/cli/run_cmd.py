"""``sentry-gate run``: start what a profile needs, run its suites, write the report.

The suites are pytest modules under ``suites/<name>/``; each check hands its `CheckResult` to the
``gate_check`` fixture, which records it (``--gate-results``). The run starts one ingest for the
whole profile, points the suites at it (``--gate-ingest-url``) and keeps its store beside the
report, so what the SDKs sent during the run can be audited afterwards. Suites the profile names
but this build lacks are listed as missing, never silently passed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from harness.checks import read_results
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
PYTEST_OK = (0, 1, 5)
"""pytest's own exit codes that mean the suites ran (5: nothing collected)."""


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


def _run_suites(paths: list[Path], out: Path, ingest_url: str, target: str) -> tuple[list[CheckResult], int]:
    results_path = out / "results.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *map(str, paths),
        "--gate-results",
        str(results_path),
        "--gate-ingest-url",
        ingest_url,
        "--junitxml",
        str(out / "junit.xml"),
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfEs",
    ]
    env = {**os.environ, "SENTRY_GATE_TARGET": target}
    with (out / "pytest.log").open("w", encoding="utf-8") as log:
        code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False).returncode
    return read_results(results_path), code


def _run(args: argparse.Namespace) -> int:
    started = time.time()
    run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started)) + f"-{args.profile}"
    out = args.reports / run_id
    out.mkdir(parents=True, exist_ok=True)
    wanted = PROFILES[args.profile]
    found = [s for s in wanted if any((args.suites / s).glob("test_*.py"))]
    missing = [s for s in wanted if s not in found]
    results: list[CheckResult] = []
    notes: list[str] = []
    ingest = start_ingest(out / "ingest")
    try:
        if found:
            results, code = _run_suites([args.suites / s for s in found], out, ingest.url, args.target)
            failed_without_result = code == 1 and not any(r.verdict is Verdict.FAIL for r in results)
            if code not in PYTEST_OK or failed_without_result:
                results.append(
                    CheckResult(
                        "gate.suites.run",
                        Verdict.FAIL,
                        f"the suites did not run cleanly (pytest exit {code}); see pytest.log",
                        {"pytest_exit": code},
                    )
                )
            notes.append(f"suites ran: {', '.join(found)} (pytest exit {code}; log: pytest.log, junit.xml)")
        with IngestClient(ingest.url) as client:
            client.flush()
            stats = client.stats()
        notes.append(
            f"the run's ingest accepted {stats['accepted']} and refused {stats['rejected']} requests;"
            " its store is kept in ingest/"
        )
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
        f"sentry-gate: profile {args.profile}: {len(results)} check(s), verdict {verdict.value};"
        f" {len(missing)} suite(s) not available yet ({', '.join(missing) or 'none'})"
    )
    print(f"report: {path}")
    return EXIT_CODES[verdict]
