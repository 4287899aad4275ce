"""``sentry-gate validate``: what a run would check on this target, without running anything.

It reads and validates the target file (a bad one: exit 2, one line naming file, line and key), then
collects the profile's suites with the run's settings (pytest ``--collect-only``: nothing starts) and
prints each check with ``run`` or ``skip`` and the reason: the decisions a run makes at collection
(a URL target cannot be restarted; a field a check needs is missing from the file). Skips a check
decides only while it runs (a browser missing on this machine, say) show up in the run's report.

It also forecasts the profile's criteria: one no check could cover would make the run INCONCLUSIVE
unless waived. Exit 0 when every criterion can be covered or is waived, 3 when the run could not pass.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

from harness.cli.run_cmd import PROFILES, SUITES_DIR, plan_run, suite_config
from harness.report.criteria import PROFILE_CRITERIA

__all__ = ["register"]

CRITERION_SUITES: Final[dict[str, tuple[str, ...]]] = {
    "rates": ("production", "sampling"),
    "filters": ("production",),
    "scrubbing": ("privacy",),
    "replay-masking": ("privacy",),
    "source-maps": ("release",),
    "releases": ("release", "production"),
    "delivery": ("production",),
    "monitoring": ("production",),
    "rollback": ("production",),
    "overhead": ("performance",),
    "resilience": ("chaos",),
}
"""Which suites' checks judge each criterion (the forecast; the run itself matches check ids)."""


def register(sub: Any) -> None:
    cmd = sub.add_parser("validate", help="list what a run would check on a target, with run or skip and why")
    cmd.add_argument("--profile", choices=sorted(PROFILES), default="pre-release")
    cmd.add_argument(
        "--target", default=None, help="as for run: a target file (default ./sentry-gate.toml), bundled:NAME or a URL"
    )
    cmd.add_argument("--environment", default=None, help="as for run")
    cmd.add_argument("--waive", action="append", default=[], metavar="CRITERION=REASON", help="as for run")
    cmd.add_argument("--suites", type=Path, default=SUITES_DIR, help=argparse.SUPPRESS)
    cmd.set_defaults(handler=_validate)


def _collect(paths: list[Path], env: dict[str, str]) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="sentry-gate-validate-") as tmp:
        out = Path(tmp) / "plan.json"
        command = [
            sys.executable, "-m", "pytest", *map(str, paths), "--collect-only", "-q", "-p", "no:cacheprovider",
            "--gate-plan", str(out), *suite_config(paths),
        ]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=300)
        if not out.is_file():
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            raise RuntimeError(f"collecting the suites failed (pytest exit {done.returncode}):\n{tail}")
        rows: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
        return rows


def _validate(args: argparse.Namespace) -> int:
    args.release, args.handshake_timeout = None, 120.0
    plan = plan_run(args)
    rows = _collect(plan.suites, {**os.environ, **plan.settings.to_environ()}) if plan.suites else []
    print(f"sentry-gate validate: profile {plan.profile} on {plan.target}")
    width = max((len(r["test"]) for r in rows), default=10)
    for row in rows:
        verdict = "skip" if row["skip"] else "run "
        reason = f"  {row['skip']}" if row["skip"] else ""
        print(f"  {verdict}  {row['test']:<{width}}{reason}".rstrip())
    running = [r for r in rows if not r["skip"]]
    print(f"{len(running)} of {len(rows)} check(s) would run; {len(rows) - len(running)} skipped at collection")
    for missing in plan.missing:
        print(f"suite {missing}: not in this build")
    uncovered = []
    for key in PROFILE_CRITERIA[plan.profile]:
        suites = CRITERION_SUITES[key]
        runs = sum(1 for r in running if any(f"/{s}/" in f"/{r['test']}" for s in suites))
        if key in plan.waivers:
            state = f"waived: {plan.waivers[key]}"
        elif runs:
            state = f"{runs} check(s) in {', '.join(suites)} can judge it"
        else:
            state = "NOT COVERED: no check of " + ", ".join(suites) + " would run (the run would be INCONCLUSIVE)"
            uncovered.append(key)
        print(f"  criterion {key}: {state}")
    if uncovered or not running:
        print(f"a run would not pass: {len(uncovered)} criterion(s) uncovered, {len(running)} check(s) to run")
        return 3
    return 0
