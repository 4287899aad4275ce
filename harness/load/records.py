"""What one block measured, read back from the files the locustfile wrote, and the throw-out rules.

Pure parsing and pure rules (the files are read at the edge, by ``read_blocks``). A block is thrown
out, and the report says so with the reason, when its figures cannot be trusted to describe the
target: the load generator saturated its core (it then sends late and measures its own queue), a
request failed (an error answer is a different code path with a different cost), requests were still
in flight when the block ended, or arrivals could not be sent on time. A thrown-out block takes its
pair with it: a ratio needs both sides.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

    from harness.load.plan import Block

__all__ = [
    "LOADGEN_CPU_LIMIT",
    "BlockRecord",
    "ThrowOutRules",
    "kept_pairs",
    "merge_workers",
    "parse_latency_csv",
    "read_blocks",
    "throw_out_reason",
]

LOADGEN_CPU_LIMIT: Final = 0.90
"""Share of one core above which a load generator process is taken to be saturated."""


def parse_latency_csv(text: str) -> tuple[list[float], list[float], int]:
    """(latencies of successful requests in ms, dispatch lags in ms, failed request count)."""
    reader = csv.DictReader(io.StringIO(text))
    latencies: list[float] = []
    lags: list[float] = []
    failed = 0
    for row in reader:
        if row["ok"] == "1":
            latencies.append(float(row["latency_ms"]))
        else:
            failed += 1
        lags.append(float(row["lag_ms"]))
    return latencies, lags, failed


@dataclass(slots=True)
class BlockRecord:
    """One block's figures, all worker processes merged."""

    index: int
    arm: str
    warmup: bool
    pair: int
    seconds: float  # the block's planned length
    offered_rate: float
    latencies_ms: list[float]
    lags_ms: list[float]
    sent: int
    completed: int
    errors: int
    in_flight_at_end: int
    loadgen_cpu_share: float  # the busiest worker's CPU seconds over its wall seconds
    target_cpu_seconds: float | None
    arrival_seconds: float = 0.0  # measured time from the first arrival to the last dispatch
    others_on_target_core: float | None = None  # share of the target's core other processes used
    target_wait_seconds: float | None = None  # the target's threads' run-queue wait (schedstat)
    late_workers: int = 0
    thrown_out: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """Successful answers per second of the block's measured arrival window."""
        window = self.arrival_seconds or self.seconds
        return len(self.latencies_ms) / window if window > 0 else 0.0

    @property
    def cpu_us_per_request(self) -> float | None:
        """The target's CPU time (user + system) over the block, per answered request."""
        if self.target_cpu_seconds is None or not self.completed:
            return None
        return self.target_cpu_seconds / self.completed * 1e6


def merge_workers(block: Block, metas: Sequence[dict[str, Any]], csvs: Sequence[str]) -> BlockRecord:
    """Merge the per-process files of one block. Target CPU comes from the first process that read it
    (every process watched the same wall-clock window)."""
    latencies: list[float] = []
    lags: list[float] = []
    failed = 0
    for text in csvs:
        lat, lag, bad = parse_latency_csv(text)
        latencies += lat
        lags += lag
        failed += bad
    target_cpu = next((m["target_cpu_seconds"] for m in metas if m.get("target_cpu_seconds") is not None), None)
    core_busy = next(
        (m["target_core_busy_seconds"] for m in metas if m.get("target_core_busy_seconds") is not None), None
    )
    wall = max((float(m.get("wall_seconds", 0.0)) for m in metas), default=0.0)
    others = None
    if core_busy is not None and target_cpu is not None and wall > 0:
        others = max(0.0, (core_busy - target_cpu) / wall)
    shares = [m["loadgen_cpu_seconds"] / m["wall_seconds"] for m in metas if m.get("wall_seconds")]
    return BlockRecord(
        index=block.index,
        arm=block.arm,
        warmup=block.warmup,
        pair=block.pair,
        seconds=block.seconds,
        offered_rate=block.rate,
        latencies_ms=latencies,
        lags_ms=lags,
        sent=sum(int(m.get("sent", 0)) for m in metas),
        completed=sum(int(m.get("completed", 0)) for m in metas),
        errors=max(failed, sum(int(m.get("errors", 0)) for m in metas)),
        in_flight_at_end=sum(int(m.get("in_flight_at_end", 0)) for m in metas),
        loadgen_cpu_share=max(shares, default=0.0),
        target_cpu_seconds=target_cpu,
        arrival_seconds=max((float(m.get("arrival_seconds", 0.0)) for m in metas), default=0.0),
        others_on_target_core=others,
        target_wait_seconds=next(
            (m["target_wait_seconds"] for m in metas if m.get("target_wait_seconds") is not None), None
        ),
    )


@dataclass(frozen=True, slots=True)
class ThrowOutRules:
    loadgen_cpu_limit: float = LOADGEN_CPU_LIMIT
    max_errors: int = 0
    min_sent_share: float = 0.98  # of the arrivals the timetable asked for
    max_lag_p99_ms: float = 100.0  # dispatch later than this, for 1% of arrivals: the generator fell behind
    min_requests: int = 20
    max_others_on_target_core: float = 0.25  # other processes' share of the target's core


def _p99(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    xs = sorted(values)
    return xs[min(len(xs) - 1, math.ceil(0.99 * len(xs)) - 1)]


def throw_out_reason(record: BlockRecord, rules: ThrowOutRules, *, capacity: bool = False) -> str | None:
    """Why ``record`` must not be analysed, or None. Capacity blocks saturate on purpose: only errors
    and the load generator's own saturation count against them."""
    if record.errors > rules.max_errors:
        return f"{record.errors} failed requests"
    if record.loadgen_cpu_share >= rules.loadgen_cpu_limit:
        return f"load generator at {record.loadgen_cpu_share:.0%} of its core"
    if record.late_workers:
        return f"{record.late_workers} load process(es) started after the timetable"
    others = record.others_on_target_core
    if others is not None and others > rules.max_others_on_target_core:
        return f"other processes took {others:.0%} of the target's core"
    if capacity:
        return None if record.completed >= rules.min_requests else f"only {record.completed} answers"
    if record.in_flight_at_end:
        return f"{record.in_flight_at_end} requests still in flight at the block's end"
    expected = record.offered_rate * record.seconds
    if expected and record.sent < rules.min_sent_share * expected:
        return f"sent {record.sent} of {expected:.0f} arrivals"
    if (lag := _p99(record.lags_ms)) > rules.max_lag_p99_ms:
        return f"dispatch lag p99 {lag:.1f} ms (the load generator fell behind)"
    if len(record.latencies_ms) < rules.min_requests:
        return f"only {len(record.latencies_ms)} answers"
    return None


def kept_pairs(
    records: Iterable[BlockRecord], arm: str = "B", baseline: str = "A"
) -> tuple[list[BlockRecord], list[BlockRecord]]:
    """(baseline blocks, ``arm`` blocks) of the pairs (or rotation rounds) in which both were kept, in
    order. Another arm's block thrown out in the same round does not cost this comparison its pair."""
    by_pair: dict[int, dict[str, BlockRecord]] = {}
    for r in records:
        if not r.warmup and r.arm in (arm, baseline):
            by_pair.setdefault(r.pair, {})[r.arm] = r
    a: list[BlockRecord] = []
    b: list[BlockRecord] = []
    for pair in sorted(by_pair):
        sides = by_pair[pair]
        if set(sides) == {arm, baseline} and all(s.thrown_out is None for s in sides.values()):
            a.append(sides[baseline])
            b.append(sides[arm])
    return a, b


def read_blocks(out_dir: Path, blocks: Sequence[Block], workers: int) -> list[BlockRecord]:
    """Read every block's files from ``out_dir``; a missing file raises (the run did not finish)."""
    late = sum(1 for w in range(workers) if (out_dir / f"late-w{w}.txt").exists())
    records = []
    for block in blocks:
        metas = [json.loads((out_dir / f"block-{block.index:03d}-w{w}.json").read_text()) for w in range(workers)]
        csvs = [(out_dir / f"block-{block.index:03d}-w{w}.csv").read_text() for w in range(workers)]
        record = merge_workers(block, metas, csvs)
        record.late_workers = late
        records.append(record)
    return records
