"""The ingest's resident memory for envelopes of very many empty items (issue 13, item 5).

Budget: one envelope of 100,000 empty items raises the ingest's peak resident memory by at most
50 MB, and a hundred such requests in a row leave it within 50 MB of where it started.

Starts the real ingest process (``start_ingest``), warms it with a few ordinary envelopes, then
posts ``--requests`` envelopes of ``--items`` empty items each over loopback, one after the other,
flushing the store after each so every request is committed before the next. A sampler thread
reads ``/proc/<pid>/status`` (VmRSS) every ``--interval`` seconds for the whole run; the peak also
comes from VmHWM, reset after the baseline by writing 5 to ``/proc/<pid>/clear_refs`` (Linux ≥ 4.0),
so it catches a peak shorter than the sampling interval. Prints baseline, peak and after-N RSS.

    .venv/bin/python benchmarks/ingest_memory.py [--items 100000] [--requests 100] [--type attachment]
                                                 [--limit max_items_per_envelope=200000 …]

``--type`` picks the item type: ``attachment`` (refused by Relay's per-envelope attachment count),
or an unknown type such as ``x_filler`` (Relay has no count for those; the ingest's own item guard
refuses it). ``--limit max_items_per_envelope=200000`` raises the guard so the envelopes are accepted
and stored whole, which measures the per-item cost of the accepted path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.envelope import serialize_parts
from harness.ingest import IngestClient, start_ingest

KEY = "0123456789abcdef0123456789abcdef"
MB = 1_000_000


def status_kib(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS; False when the kernel does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Sampler:
    """Samples VmRSS on a bounded loop until stopped (or ``max_seconds``, so it can never run away)."""

    def __init__(self, pid: int, interval: float, max_seconds: float) -> None:
        self.pid = pid
        self.interval = interval
        self.max_seconds = max_seconds
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                self.samples.append((time.monotonic(), status_kib(self.pid, "VmRSS") * 1024))
            except (OSError, KeyError):
                return
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def peak_since(self, t0: float) -> int:
        return max((rss for t, rss in self.samples if t >= t0), default=0)


def many_items(count: int, item_type: str) -> bytes:
    return serialize_parts({"event_id": uuid.uuid4().hex}, (({"type": item_type}, b"") for _ in range(count)))


def settle(pid: int, seconds: float = 1.0, interval: float = 0.05) -> int:
    """Median VmRSS over a short window (the writer and allocator settle within it)."""
    values = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        values.append(status_kib(pid, "VmRSS") * 1024)
        time.sleep(interval)  # sleep-ok: the sampling period of a measurement, not synchronisation
    return int(statistics.median(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--type", default="attachment", help="item type of the empty items")
    parser.add_argument("--interval", type=float, default=0.02, help="RSS sampling period, seconds")
    parser.add_argument("--limit", action="append", default=[], help="passed to the ingest as --limit")
    parser.add_argument("--max-seconds", type=float, default=1800, help="the sampler's hard stop")
    args = parser.parse_args()

    body = many_items(args.items, args.type)
    extra = [a for spec in args.limit for a in ("--limit", spec)]
    with tempfile.TemporaryDirectory() as tmp:
        ingest = start_ingest(Path(tmp), projects=[(1, KEY)], extra_args=extra)
        sampler = Sampler(ingest.pid, args.interval, args.max_seconds)
        statuses: Counter[int] = Counter()
        reasons: Counter[str] = Counter()
        times: list[float] = []
        try:
            url = f"{ingest.url}/api/1/envelope/?sentry_key={KEY}&sentry_version=7"
            with httpx.Client(timeout=300) as http, IngestClient(ingest.url, timeout=300) as control:
                for i in range(20):  # warm-up: imports, SQLite pages, the first batches
                    warm = serialize_parts({"event_id": uuid.uuid4().hex}, [({"type": "event"}, b'{"i":%d}' % i)])
                    assert http.post(url, content=warm).status_code == 200
                control.flush()
                baseline = settle(ingest.pid)
                hwm_reset = reset_peak(ingest.pid)
                sampler.start()
                t_first = time.monotonic()
                first_peak = 0
                for n in range(args.requests):
                    t0 = time.perf_counter()
                    r = http.post(url, content=body)
                    times.append(time.perf_counter() - t0)
                    statuses[r.status_code] += 1
                    if r.status_code >= 400:
                        reasons[r.json().get("detail", "")] += 1
                    control.flush()
                    if n == 0:
                        first_peak = max(
                            sampler.peak_since(t_first), status_kib(ingest.pid, "VmHWM") * 1024 if hwm_reset else 0
                        )
                after = settle(ingest.pid)
                overall_peak = max(sampler.peak_since(t_first), status_kib(ingest.pid, "VmHWM") * 1024)
                stored = control.stats()
        finally:
            sampler.stop()
            ingest.stop()

    print(f"envelope: {args.items:,} empty '{args.type}' items, {len(body) / MB:.2f} MB on the wire")
    print(f"limits: {args.limit or 'defaults'}; VmHWM reset: {'yes' if hwm_reset else 'no (sampled peak only)'}")
    print(f"answers: {dict(statuses)}" + (f"; reasons: {dict(reasons)}" if reasons else ""))
    print(f"request time: median {statistics.median(times):.3f} s, max {max(times):.3f} s")
    n = args.requests
    print(f"baseline RSS:               {baseline / MB:7.1f} MB")
    print(f"peak, first request:        {first_peak / MB:7.1f} MB  ({(first_peak - baseline) / MB:+.1f} MB)")
    print(f"peak, all {n:>3} requests:     {overall_peak / MB:7.1f} MB  ({(overall_peak - baseline) / MB:+.1f} MB)")
    print(f"RSS after {n:>3} requests:     {after / MB:7.1f} MB  ({(after - baseline) / MB:+.1f} MB)")
    print(f"stored: accepted {stored['accepted']}, rejected {stored['rejected']}, items {stored['items_by_type']}")


if __name__ == "__main__":
    main()
