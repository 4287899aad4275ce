"""Run the whole production suite N times on the hardened targets and count every FAIL and INCONCLUSIVE.

    .venv/bin/python benchmarks/production_repeat.py [--runs 10] [--timeout 900] [--json out.json] [-- PYTEST ARGS]

Each run is ``pytest harness/suites/production -q -s -p no:cacheprovider`` in a subprocess (a session of its own,
its own ingest), with no self-test mutant set. The suite prints one ``<check id>: <verdict>: <summary>``
line per check; this script tallies them per check id over the runs, with each run's wall time, pytest
outcome counts and the load average before and after.

Why: on a correct set-up a rate check fails only by chance, at most ``alpha`` per run across all its rate
checks (Bonferroni), so over N runs the expected number of runs with a rate-check FAIL is at most
``alpha × N`` (0.5 for ten runs at 0.05; P(≥ 2 such runs) ≤ 0.09). Any FAIL of a check that is not a rate
check is a defect of the suite or the target, never chance. INCONCLUSIVE is the price of the stated
precision and is reported, not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from math import comb
from pathlib import Path
from typing import Any

from harness.settings import SETTINGS_VAR, VARIABLES

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "harness" / "suites" / "production"
RATE_CHECKS = (
    "production.sampling.server-traces-rate",
    "production.sampling.browser-traces-rate",
    "production.sampling.replay-session-rate",
    "production.replay.on-error",
)
# -q prints progress dots on the same line as a test's output, so the line is searched, not matched
LINE = re.compile(r"(production\.[a-z0-9.-]+): (pass|fail|inconclusive): (.*)$")
OUTCOMES = re.compile(r"(\d+) (passed|failed|skipped|errors?|deselected)")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def one_run(pytest_args: list[str], timeout: float) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES and k != SETTINGS_VAR}
    cmd = [sys.executable, "-m", "pytest", str(SUITE), "-q", "-s", "-p", "no:cacheprovider", *pytest_args]
    before = load()
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        out, code = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        code = -1
    seconds = time.monotonic() - start
    verdicts = [(m[1], m[2], m[3]) for m in map(LINE.search, out.splitlines()) if m]
    tail = out.strip().splitlines()[-1] if out.strip() else ""
    outcomes = {kind: int(n) for n, kind in OUTCOMES.findall(tail)}
    return {
        "seconds": round(seconds, 1),
        "exit": code,
        "outcomes": outcomes,
        "load_before": before,
        "load_after": load(),
        "verdicts": verdicts,
    }


def at_least(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p): the chance of k or more false-alarm runs."""
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per suite run")
    parser.add_argument("--alpha", type=float, default=0.05, help="the expectation files' run-wide alpha")
    parser.add_argument("--json", type=Path)
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args()

    runs = []
    for i in range(args.runs):
        run = one_run(args.pytest_args, args.timeout)
        runs.append(run)
        print(
            f"run {i + 1}/{args.runs}: {run['seconds']} s, exit {run['exit']}, {run['outcomes']},"
            f" load {run['load_before']} → {run['load_after']}",
            flush=True,
        )
        for check_id, verdict, summary in run["verdicts"]:
            if verdict != "pass":
                print(f"    {verdict.upper()} {check_id}: {summary}", flush=True)

    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for run in runs:
        for check_id, verdict, _ in run["verdicts"]:
            tally[check_id][verdict] += 1
    print(f"\n{'check id':<52} {'pass':>6} {'fail':>6} {'inconcl':>8}")
    for check_id in sorted(tally):
        c = tally[check_id]
        print(f"{check_id:<52} {c['pass']:>6} {c['fail']:>6} {c['inconclusive']:>8}")

    rate_fail_runs = sum(1 for run in runs if any(v == "fail" and c in RATE_CHECKS for c, v, _ in run["verdicts"]))
    other_fails = sum(c["fail"] for k, c in tally.items() if k not in RATE_CHECKS)
    n = len(runs)
    print(
        f"\nruns {n}; runs with a rate-check FAIL {rate_fail_runs} (bound: ≤ {args.alpha:g} per run, expected"
        f" ≤ {args.alpha * n:.2f}; P(≥ {max(rate_fail_runs, 1)} | correct) ≤"
        f" {at_least(max(rate_fail_runs, 1), n, args.alpha):.3f}); FAILs of other checks {other_fails} (must be 0)"
    )
    print(f"wall time per run: {[r['seconds'] for r in runs]} s; pytest exit codes {[r['exit'] for r in runs]}")
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "tally": {k: dict(v) for k, v in tally.items()}}, indent=1))
    crashed = [i + 1 for i, r in enumerate(runs) if r["exit"] not in (0, 1)]  # 1: a check failed
    if crashed:
        print(f"runs that errored or timed out (not verdicts): {crashed}")
    return 0 if not crashed and other_fails == 0 and rate_fail_runs <= max(1, round(args.alpha * n)) else 1


if __name__ == "__main__":
    sys.exit(main())
