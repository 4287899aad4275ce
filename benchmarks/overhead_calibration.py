"""A/A calibration of the server overhead gate: the resolution it reaches and its interval's coverage.

Runs the same configuration on both arms (A/A: the true ratio is 1) for ``--minutes`` of load in
interleaved blocks, exactly as the gate does, then reports:

- resolution: the half-width of the 95% interval on the median-latency ratio over all kept pairs
  (issue 8's acceptance: <= 1% within 5 minutes of load), and the verdict the gate would give;
- coverage: the share of random A/B splits of the recorded blocks whose interval holds 1.0
  (``harness.stats.overhead.aa_coverage``; acceptance: >= 93% for a nominal 95%), for the gate's
  method (Student's t over pairs) and for the percentile bootstrap;
- the load it ran under (1-minute load average before and after, blocks thrown out and why).

    .venv/bin/python benchmarks/overhead_calibration.py --minutes 5 --target python-api
    .venv/bin/python benchmarks/overhead_calibration.py --minutes 1 --block-seconds 3   # a quick proof it works

Appends one JSON line per run to ``--out`` (default: reports/overhead_calibration.jsonl).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.load.compare import compare_arms
from harness.load.records import ThrowOutRules, kept_pairs
from harness.load.rig import ArmSpec, server_rig
from harness.load.runner import BlockSettings
from harness.stats.overhead import aa_coverage, decide_overhead, pair_ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="python-api")
    parser.add_argument("--minutes", type=float, default=5.0, help="minutes of measured load (warm-up excluded)")
    parser.add_argument("--block-seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=40.0, help="arrivals per second")
    parser.add_argument("--spotify-ms", type=int, default=20)
    parser.add_argument("--sentry", choices=("off", "on"), default="off", help="both arms with or without Sentry")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.25,
        help="throw out blocks where other processes took more than this share of the target's core (1.0: never,"
        " to see what a busy machine does to the resolution)",
    )
    parser.add_argument("--out", type=Path, default=Path("reports/overhead_calibration.jsonl"))
    args = parser.parse_args()

    pairs = max(2, int(args.minutes * 60 / (2 * args.block_seconds)))
    settings = BlockSettings(pairs=pairs, seconds=args.block_seconds, warmup_seconds=3.0, workers=args.workers)
    spec = ArmSpec(sentry=args.sentry == "on")
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        with server_rig(
            args.target, Path(tmp) / "logs", baseline=spec, instrumented=spec, spotify_latency_ms=args.spotify_ms
        ) as rig:
            result = compare_arms(
                rig.arms(),
                Path(tmp),
                rules=ThrowOutRules(max_others_on_target_core=args.max_others),
                settings=settings,
                rate=args.rate,
                load_cpu=rig.cores.load,
                target_cpu=rig.cores.target,
            )
        a, b = kept_pairs(result.records)
        blocks = [r.latencies_ms for pair in zip(a, b, strict=True) for r in pair]
        line: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "target": args.target,
            "sentry": args.sentry,
            "rate_per_s": args.rate,
            "max_others_on_target_core": args.max_others,
            "block_seconds": args.block_seconds,
            "pairs_planned": pairs,
            "pairs_kept": len(a),
            "thrown_out": [r.thrown_out for r in result.records if r.thrown_out],
            "load_avg_before": round(load_before, 2),
            "load_avg_after": round(os.getloadavg()[0], 2),
            "wall_seconds": round(time.monotonic() - started, 1),
            "measured_load_seconds": round(2 * len(a) * args.block_seconds, 1),
            "verdict": result.latency.verdict.value,
            "summary": result.latency.summary,
        }
        if len(a) >= 2:
            ratios = pair_ratios([r.latencies_ms for r in a], [r.latencies_ms for r in b])
            for method in ("t", "bootstrap"):
                d = decide_overhead(ratios, method=method)  # type: ignore[arg-type]
                line[f"half_width_{method}"] = round(d.resolution, 5)
                line[f"estimate_{method}"] = round(d.estimate, 5)
        if len(blocks) >= 4:
            line["coverage_t"] = aa_coverage(blocks, method="t", splits=400)
            line["coverage_bootstrap"] = aa_coverage(blocks, method="bootstrap", splits=200, reps=1000)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")
    print(json.dumps(line, indent=1))


if __name__ == "__main__":
    main()
