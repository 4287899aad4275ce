"""Time from start to healthy for each bundled target (issue 3: within 5 s after the one-time build).

Starts each target --reps times in production (with its fake Spotify, DSNs pointing at a local
ingest) and prints the median and maximum of start → ready line → healthy. Timing lives here, not
in the tests, because a loaded CI machine would make a timing assertion flaky.

    .venv/bin/python benchmarks/target_startup.py [--reps 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.ingest import IngestClient, start_ingest
from harness.targets import BUNDLED_TARGETS, TargetOptions, start_target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ingest = start_ingest(Path(tmp) / "ingest")
        try:
            with IngestClient(ingest.url) as client:
                server, browser = client.create_project("server"), client.create_project("browser")
            for name in BUNDLED_TARGETS:
                times = []
                for rep in range(args.reps):
                    options = TargetOptions(server_dsn=server.dsn, browser_dsn=browser.dsn)
                    target = start_target(name, options, Path(tmp) / f"{name}-{rep}")
                    try:
                        times.append(target.startup_seconds)
                    finally:
                        target.stop()
                print(
                    f"{name}: healthy after median {statistics.median(times):.2f} s, max {max(times):.2f} s"
                    f" over {args.reps} starts (load average {os.getloadavg()[0]:.2f})"
                )
        finally:
            ingest.stop()


if __name__ == "__main__":
    main()
