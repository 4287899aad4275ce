"""``sentry-gate load``: the server overhead gate from the command line (the gate itself is `harness.load`).

Two ways to point it: ``--baseline URL --instrumented URL`` compares two deployments the user runs
(e.g. a control and a canary; no CPU figures, since their processes are not ours to read), and
``--target python-api|express-vue`` starts a bundled target both ways on this machine (Sentry off vs
the mode's configuration). Writes ``results.jsonl``, the CSVs and the plot under ``--out`` and exits
like ``sentry-gate run`` (its `EXIT_CODES`): 0 pass, 1 fail, 3 inconclusive, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness.cli.run_cmd import EXIT_CODES
from harness.errors import UsageError
from harness.load.compare import ServerComparison, compare_arms
from harness.load.plan import Arm
from harness.load.rig import pick_cores, server_rig
from harness.load.runner import BlockSettings
from harness.results import overall_verdict

__all__ = ["register", "run"]


def _arguments(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--target", choices=("python-api", "express-vue"), help="a bundled target, started both ways")
    where.add_argument("--baseline", help="URL of the deployment without Sentry (or the control)")
    p.add_argument("--instrumented", help="URL of the deployment with Sentry (or the canary)")
    p.add_argument("--environment", default="production", help="the bundled target's mode")
    p.add_argument("--rate", type=float, help="arrivals per second (default: --rate-fraction of capacity)")
    p.add_argument("--rate-fraction", type=float, default=0.5)
    p.add_argument("--capacity-seconds", type=float, default=4.0, help="0 skips the capacity measurement")
    p.add_argument("--pairs", type=int, default=10)
    p.add_argument("--block-seconds", type=float, default=5.0)
    p.add_argument("--workers", type=int, default=1, help="Locust worker processes (1: no master)")
    p.add_argument("--budget", type=float, default=0.02)
    p.add_argument("--spotify-ms", type=int, default=20)
    p.add_argument("--out", type=Path, required=True)


def register(sub: Any) -> None:
    """``sentry-gate load`` (for ``harness.cli.build_parser``)."""
    p = sub.add_parser("load", help="compare a deployment with and without Sentry under load (server overhead)")
    _arguments(p)
    p.set_defaults(handler=run)


def _run(args: argparse.Namespace, settings: BlockSettings) -> ServerComparison:
    common = {
        "settings": settings,
        "rate": args.rate,
        "rate_fraction": args.rate_fraction,
        "capacity_seconds": args.capacity_seconds,
        "budget": args.budget,
    }
    if args.target:
        with server_rig(
            args.target, args.out / "logs", environment=args.environment, spotify_latency_ms=args.spotify_ms
        ) as rig:
            return compare_arms(
                rig.arms(),
                args.out,
                load_cpu=rig.cores.load,
                target_cpu=rig.cores.target,
                context=rig.describe(),
                label=args.target,
                **common,
            )
    arms = {"A": Arm(args.baseline.rstrip("/")), "B": Arm(args.instrumented.rstrip("/"))}
    context = {"baseline_url": arms["A"].host, "instrumented_url": arms["B"].host}
    return compare_arms(arms, args.out, load_cpu=pick_cores().load, context=context, label="external", **common)


def run(args: argparse.Namespace) -> int:
    if args.baseline and not args.instrumented:
        raise UsageError("--baseline needs --instrumented")
    if args.rate is None and args.capacity_seconds <= 0:
        raise UsageError("give --rate, or let the capacity be measured (--capacity-seconds > 0)")
    args.out.mkdir(parents=True, exist_ok=True)
    settings = BlockSettings(pairs=args.pairs, seconds=args.block_seconds, warmup_seconds=3.0, workers=args.workers)
    comparison = _run(args, settings)
    with (args.out / "results.jsonl").open("a", encoding="utf-8") as fh:
        for result in comparison.results:
            fh.write(json.dumps(result.as_dict()) + "\n")
    for result in comparison.results:
        print(f"{result.verdict.value.upper():12} {result.check_id}: {result.summary}")
    return EXIT_CODES[overall_verdict(comparison.results)]
