"""Browser overhead of the bundled client (issue 8, item 6): Sentry off vs SDK only vs SDK + Replay.

Starts a local ingest and three Express targets (one per arm, harness.load.browser ``ARM_ENV``), loads
them in Debian's Chromium in alternating rounds with the CPU throttled through CDP, and prints per
arm the medians (LCP, FCP, TBT, JS heap, script time), the per-round deltas (like Sentry's published
overhead tables) and the ratios against the off arm with 95% intervals and the verdict against the
budget. ``--aa`` adds a second off arm, whose comparison with the first shows the resolution the run
reached when nothing differs. ``--csv`` writes every load's raw figures for re-analysis.

    .venv/bin/python benchmarks/browser_overhead.py [--rounds 40] [--throttle 4] [--aa] [--csv out.csv]

Timing lives here and in the suite, never in unit tests (a loaded machine would make them flaky).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.common.browser import chromium
from harness.ingest import IngestClient, ProjectHandle, start_ingest
from harness.load.browser import ARM_ENV, PRODUCTION_ENV, Arm, baseline_build_missing, delivery_control, run_interleaved
from harness.load.browser_stats import ARM_CHECKS, PageSample, arm_verdict
from harness.targets import TargetOptions, start_target
from harness.targets.target import Target

LABELS = {
    "sdk": "SDK only",
    "replay": "SDK + Replay",
    "again": "off again (A/A)",
    "production": "production config as shipped",
}


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _table(samples: list[PageSample], arms: list[str], throttle: float) -> None:
    for arm in arms:
        check_id = ARM_CHECKS.get(arm, ARM_CHECKS["sdk"])
        result = arm_verdict(check_id, samples, arm, throttle=throttle, label=LABELS[arm])
        ev = result.evidence
        med = ev["medians"]
        print(f"\n== {LABELS[arm]} ({check_id}) verdict {result.verdict.value.upper()}")
        print(f"   {'metric':<10} {'off':>12} {arm:>12} {'delta':>12} {'ratio':>7}  95% CI            decided ±")
        rows = [
            ("lcp", "lcp_ms", "ms"),
            ("tbt", "tbt_ms", "ms"),
            ("heap", "heap_bytes", "B"),
            ("script", "script_ms", "ms"),
        ]
        for metric, key, unit in rows:
            r = ev["ratios"][metric]
            lo, hi = r["interval"]
            print(
                f"   {metric:<10} {med['off'][key]:>10.1f}{unit:>2} {med[arm][key]:>10.1f}{unit:>2}"
                f" {ev['deltas'][key]:>+10.1f}{unit:>2} {r['estimate']:>7.3f}  {lo:.3f}..{hi:.3f}"
                f"   ±{r['half_width'] * 100:.1f}% {r['verdict'].upper()}"
            )
        print(
            f"   FCP median off {med['off']['fcp_ms']:.0f} ms, {arm} {med[arm]['fcp_ms']:.0f} ms;"
            f" load event off {med['off']['load_ms']:.0f} ms, {arm} {med[arm]['load_ms']:.0f} ms"
        )
        print(f"   {result.summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--throttle", type=float, default=4.0)
    parser.add_argument("--aa", action="store_true", help="add a second off arm (A/A)")
    parser.add_argument("--production", action="store_true", help="add the shipped production config as an arm")
    parser.add_argument("--csv", type=Path, default=None)
    args = parser.parse_args()
    if missing := baseline_build_missing():
        raise SystemExit(missing)
    print(
        f"start {time.strftime('%H:%M:%S', time.gmtime())} UTC, load {_load()}, {args.rounds} rounds,"
        f" throttle {args.throttle:g}x, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ingest = start_ingest(Path(tmp) / "ingest")
        targets: dict[str, Target] = {}
        try:
            with IngestClient(ingest.url, token=ingest.control_token) as client:
                envs = {**ARM_ENV, **({"production": PRODUCTION_ENV} if args.production else {})}
                for name, env in envs.items():
                    project = ProjectHandle(client, client.create_project(f"browser {name}"))
                    options = TargetOptions(browser_dsn=project.dsn, extra_env=env)
                    targets[name] = start_target("express-vue", options, Path(tmp) / name)
                    targets[name].browser_project = project
                arms = [Arm(n, t.url + "/", expect_sdk=n != "off") for n, t in targets.items()]
                if args.aa:
                    arms.append(Arm("again", targets["off"].url + "/", expect_sdk=False))
                started = time.monotonic()
                with chromium() as browser:
                    samples = run_interleaved(browser, arms, args.rounds, throttle=args.throttle)
                    elapsed = time.monotonic() - started
                    delivered = {
                        n: delivery_control(
                            browser, targets[n].url + "/", targets[n].browser_project, replay=n == "replay"
                        )
                        for n in ARM_CHECKS
                    }
        finally:
            for t in targets.values():
                t.stop()
            ingest.stop()
    print(
        f"measured {len(samples)} loads in {elapsed:.0f} s; end {time.strftime('%H:%M:%S', time.gmtime())} UTC,"
        f" load {_load()}"
    )
    print(f"delivered to the local ingest (whole run, per arm): {delivered}")
    _table(samples, [a.name for a in arms if a.name != "off"], args.throttle)
    if args.csv:
        with args.csv.open("w", newline="") as fh:
            rows = [s.as_dict() for s in samples]
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(f"raw loads: {args.csv}")


if __name__ == "__main__":
    main()
