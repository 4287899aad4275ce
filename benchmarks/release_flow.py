"""Time the release flow with the real sentry-cli against sentry-gate's fake Sentry.

    .venv/bin/python benchmarks/release_flow.py [--dist DIR] [--runs 5] [--synthetic-mb 0] [--json out.json]

Each run copies the built client (default: the bundled target's targets/express_vue/client/dist), then runs
releases new → sourcemaps inject → sourcemaps upload → releases finalize → deploys new for a fresh
release, and reports each step's median and the whole flow's median and maximum. ``--synthetic-mb N``
adds N MiB of generated JS with source maps to the copy, to see how the upload scales (several chunks,
the missing-chunks exchange, assembly). The issue's budget: the whole flow under 2 minutes.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.ingest import start_ingest  # noqa: E402
from harness.release.flow import STEPS, ReleaseFlow  # noqa: E402
from harness.release.sentry_cli import CliTarget, find_sentry_cli, sentry_cli_version  # noqa: E402
from harness.settings import Settings  # noqa: E402

DEFAULT_DIST = ROOT / "targets" / "express_vue" / "client" / "dist"


def add_synthetic(dist: Path, mebibytes: int, seed: int) -> None:
    rng = random.Random(seed)
    target = dist / "assets" / "synthetic"
    target.mkdir(parents=True, exist_ok=True)
    per_file = 512 * 1024
    for i in range(max(1, mebibytes * 1024 * 1024 // (2 * per_file))):
        words = " ".join(f"v{rng.randrange(10**9)}" for _ in range(per_file // 11))
        (target / f"s{i}.js").write_text(f"function s{i}(){{return '{words}'}}\n")
        smap = {"version": 3, "sources": [f"src/s{i}.js"], "sourcesContent": [words], "names": [], "mappings": "AAAA"}
        (target / f"s{i}.js.map").write_text(json.dumps(smap))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic-mb", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    cli = find_sentry_cli()
    if cli is None or not args.dist.is_dir():
        print(f"needs sentry-cli ({cli}) and a built client ({args.dist})", file=sys.stderr)
        return 2
    token = "sntryu_" + secrets.token_hex(32)
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-release-") as tmp:
        ingest = start_ingest(Path(tmp) / "ingest", env=Settings(api_token=token).to_environ())
        try:
            for run in range(args.runs):
                copy = Path(tmp) / f"dist-{run}"
                shutil.copytree(args.dist, copy)
                if args.synthetic_mb:
                    add_synthetic(copy, args.synthetic_mb, seed=run)
                target = CliTarget(url=ingest.url, token=token, org="bench", project="1", max_retries=0)
                flow = ReleaseFlow(cli, target, f"bench@{run}", copy).run()
                if not flow.ok:
                    print(f"run {run} failed: {flow.failed}", file=sys.stderr)
                    return 1
                rows.append({**flow.timings(), "total": flow.seconds})
        finally:
            ingest.stop()
    size = sum(p.stat().st_size for p in args.dist.rglob("*") if p.is_file())
    summary = {
        "sentry_cli": sentry_cli_version(cli),
        "dist": str(args.dist),
        "dist_bytes": size,
        "synthetic_mb": args.synthetic_mb,
        "runs": args.runs,
        "median_s": {k: round(statistics.median(r[k] for r in rows), 3) for k in (*STEPS, "total")},
        "max_total_s": round(max(r["total"] for r in rows), 3),
        "budget_s": 120,
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0 if summary["max_total_s"] < 120 else 1


if __name__ == "__main__":
    sys.exit(main())
