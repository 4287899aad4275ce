"""How fast and how cheaply the ingest refuses a gzip bomb that would expand to 10 GiB.

Budget (issue 2): refused within 1 s, with under 50 MB of extra memory. Prints the answer's status,
the wall time of the request (median of --reps), and the growth of the ingest's peak RSS (VmHWM).

    .venv/bin/python benchmarks/ingest_bomb.py [--reps 5] [--gib 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.ingest import start_ingest
from tests.support.payloads import gzip_bomb

KEY = "0123456789abcdef0123456789abcdef"


def vm(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--gib", type=int, default=10)
    args = parser.parse_args()
    bomb = gzip_bomb(args.gib)
    with tempfile.TemporaryDirectory() as tmp:
        ingest = start_ingest(Path(tmp), projects=[(1, KEY)], cpu=0)
        try:
            url = f"{ingest.url}/api/1/envelope/?sentry_key={KEY}"
            times, statuses = [], []
            peak_before = vm(ingest.pid, "VmHWM")
            with httpx.Client(timeout=120) as http:
                for _ in range(args.reps):
                    t0 = time.perf_counter()
                    r = http.post(url, content=bomb, headers={"content-encoding": "gzip"})
                    times.append(time.perf_counter() - t0)
                    statuses.append(r.status_code)
            growth = vm(ingest.pid, "VmHWM") - peak_before
        finally:
            ingest.stop()
    print(f"gzip bomb: {len(bomb) / 1e6:.1f} MB on the wire, would expand to {args.gib} GiB")
    print(f"statuses: {sorted(set(statuses))}")
    print(f"refusal time: median {statistics.median(times):.3f} s, max {max(times):.3f} s over {args.reps} reps")
    print(f"ingest peak RSS growth: {growth / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
