"""How often the server overhead gate FAILs a small real overhead: its power near the 2% budget.

The self-tests (``tests/load/test_server_gate.py``) inject an effect of about 15%, five resolutions above
the budget, because a unit test must not assert a verdict near its threshold. Whether the gate also
catches a *small* overhead is this benchmark's question. Each repeat starts the hardened Python twin
(traces 1.0), measures its median service time under load, starts the ``slow-traces-sampler`` mutant
with a busy-wait of ``--effect`` (default 5%) of that time, and runs the gate's comparison at the load
profile's block settings (``--pairs`` 8 blocks of ``--block-seconds`` 4 s each way, 3 s warm-up, fake
Spotify ``--spotify-ms`` 20). It prints each repeat's verdict and ratio, then the share of repeats that
FAILed with a 95% Wilson interval.

    .venv/bin/python benchmarks/overhead_power.py --repeats 5
    .venv/bin/python benchmarks/overhead_power.py --repeats 1 --pairs 2 --block-seconds 2   # a quick proof it runs

Appends one JSON line per run to ``--out`` (default: reports/overhead_power.jsonl). Run it on a quiet
machine: blocks where other processes took the target's core are thrown out, as in the gate.
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
from harness.load.rig import ArmSpec, ServerRig, arms_rig
from harness.load.runner import BlockSettings, measure_service_ms
from harness.settings import AppVariables
from harness.stats.binomial import wilson

TRACES_FULL = {"SENTRY_TRACES_SAMPLE_RATE": "1.0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}


def one_repeat(args: argparse.Namespace, out: Path) -> dict[str, object]:
    """One hardened-vs-mutant comparison with the mutant's cost sized from this repeat's own baseline."""
    hardened = ArmSpec(sentry=True, env=TRACES_FULL)
    started = time.monotonic()
    with arms_rig(args.target, out / "logs", {"baseline": hardened}, spotify_latency_ms=args.spotify_ms) as rig:
        service_ms = measure_service_ms(
            rig.arms()["baseline"], out / "service", args.rate, load_cpu=rig.cores.load, target_cpu=rig.cores.target
        )
        delay_ms = round(args.effect * service_ms, 3)
        env = {**TRACES_FULL, AppVariables.MUTANT_DELAY_MS: str(delay_ms)}
        rig.start_arm("instrumented", ArmSpec(sentry=True, mutant="slow-traces-sampler", env=env))
        result = compare_arms(
            ServerRig(rig).arms(),
            out,
            settings=BlockSettings(pairs=args.pairs, seconds=args.block_seconds, warmup_seconds=3.0),
            rate=args.rate,
            load_cpu=rig.cores.load,
            target_cpu=rig.cores.target,
        )
    median = result.latency.evidence.get("median_ratio", {})
    return {
        "service_ms": round(service_ms, 3),
        "delay_ms": delay_ms,
        "verdict": result.latency.verdict.value,
        "ratio": median.get("estimate") if isinstance(median, dict) else None,
        "pairs_kept": result.latency.evidence.get("pairs_kept"),
        "summary": result.latency.summary,
        "wall_seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="python-api")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--effect", type=float, default=0.05, help="the busy-wait as a share of the service time")
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--block-seconds", type=float, default=4.0)
    parser.add_argument("--rate", type=float, default=40.0, help="arrivals per second")
    parser.add_argument("--spotify-ms", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("reports/overhead_power.jsonl"))
    args = parser.parse_args()
    if not 1 <= args.repeats <= 50:
        parser.error("--repeats must be between 1 and 50")

    load_before = os.getloadavg()[0]
    repeats = []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            row = one_repeat(args, Path(tmp))
        repeats.append(row)
        print(f"repeat {i + 1}/{args.repeats}: {row['verdict']} ratio {row['ratio']} ({row['summary']})", flush=True)
    fails = sum(1 for r in repeats if r["verdict"] == "fail")
    ci = wilson(fails, len(repeats))
    low, high = ci.low, ci.high
    line = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "target": args.target,
        "effect": args.effect,
        "pairs": args.pairs,
        "block_seconds": args.block_seconds,
        "rate_per_s": args.rate,
        "spotify_ms": args.spotify_ms,
        "repeats": len(repeats),
        "fail": fails,
        "inconclusive": sum(1 for r in repeats if r["verdict"] == "inconclusive"),
        "pass": sum(1 for r in repeats if r["verdict"] == "pass"),
        "fail_rate": round(fails / len(repeats), 3),
        "fail_rate_95ci": [round(low, 3), round(high, 3)],
        "load_avg_before": round(load_before, 2),
        "load_avg_after": round(os.getloadavg()[0], 2),
        "runs": repeats,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")
    print(
        f"{args.effect:.0%} effect at {args.pairs} pairs x {args.block_seconds:g} s: FAIL in {fails}/{len(repeats)}"
        f" (95% CI {low:.0%}..{high:.0%}), INCONCLUSIVE {line['inconclusive']}, PASS {line['pass']}"
    )


if __name__ == "__main__":
    main()
