"""Drive interleaved A/B blocks through Locust and read back what each block measured.

``run_blocks`` is the one edge that runs load: it writes the plan, runs Locust (a subprocess, see
``locust_proc``), reads the block files and applies the throw-out rules. ``measure_capacity`` and
``measure_at_rate`` are the two measurements the gate makes with it; both work the same against
bundled targets (``rig.server_rig``) and against two URLs of an external deployment (no pids, so no
CPU figures).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.load.locust_proc import STARTUP_ALLOWANCE_S, run_locust
from harness.load.plan import DEFAULT_JOURNEYS, Arm, Block, LoadPlan, fixed_rate_blocks
from harness.load.records import BlockRecord, ThrowOutRules, read_blocks, throw_out_reason

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["BlockSettings", "Capacity", "measure_at_rate", "measure_capacity", "measure_service_ms", "run_blocks"]


@dataclass(frozen=True, slots=True)
class BlockSettings:
    """How a measurement is cut into blocks. The defaults are the self-tests' short blocks."""

    pairs: int = 6
    seconds: float = 4.0
    warmup_seconds: float = 2.0
    workers: int = 1
    drain_seconds: float = 1.0
    seed: int = 0


def run_blocks(
    arms: dict[str, Arm],
    blocks: list[Block],
    out_dir: Path,
    *,
    workers: int = 1,
    load_cpu: int | None = None,
    rules: ThrowOutRules | None = None,
    drain_seconds: float = 1.0,
    journeys: dict[str, int] | None = None,
    target_cpu: int | None = None,
) -> list[BlockRecord]:
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = LoadPlan(
        arms=arms,
        blocks=blocks,
        out_dir=str(out_dir),
        journeys=dict(journeys or DEFAULT_JOURNEYS),
        workers=workers,
        start_at=time.time() + STARTUP_ALLOWANCE_S / 2 if workers > 1 else None,
        drain_seconds=drain_seconds,
        target_core=target_cpu,
    )
    run_locust(plan, plan.write(out_dir / "plan.json"), cpu=load_cpu)
    records = read_blocks(out_dir, blocks, workers)
    rules = rules or ThrowOutRules()
    for block, record in zip(blocks, records, strict=True):
        record.thrown_out = throw_out_reason(record, rules, capacity=block.kind == "capacity")
    return records


@dataclass(frozen=True, slots=True)
class Capacity:
    """Throughput at saturation per arm: the median over kept blocks, and B/A per kept pair."""

    a_per_second: float
    b_per_second: float
    pair_ratios: list[float]
    records: list[BlockRecord]

    @property
    def ratio(self) -> float:
        return self.b_per_second / self.a_per_second if self.a_per_second else float("nan")


def measure_capacity(
    arms: dict[str, Arm],
    out_dir: Path,
    *,
    pairs: int = 2,
    seconds: float = 4.0,
    concurrency: int = 32,
    workers: int = 1,
    load_cpu: int | None = None,
    target_cpu: int | None = None,
) -> Capacity:
    """Saturate each arm with ``concurrency`` requests in flight; what completes per second is its capacity.

    This is the one closed-loop measurement, on purpose: capacity is defined at saturation. If the
    load core saturates first, the blocks are thrown out and the figure is reported as missing.
    """
    blocks = fixed_rate_blocks(
        pairs=pairs,
        seconds=seconds,
        rate=20_000.0,
        warmup_seconds=min(2.0, seconds),
        kind="capacity",
        concurrency=concurrency,
    )
    records = run_blocks(arms, blocks, out_dir, workers=workers, load_cpu=load_cpu, target_cpu=target_cpu)
    from harness.load.records import kept_pairs

    a, b = kept_pairs(records)
    ratios = [rb.throughput / ra.throughput for ra, rb in zip(a, b, strict=True) if ra.throughput]
    a_tp = statistics.median(r.throughput for r in a) if a else 0.0
    b_tp = statistics.median(r.throughput for r in b) if b else 0.0
    return Capacity(a_tp, b_tp, ratios, records)


def measure_at_rate(
    arms: dict[str, Arm],
    out_dir: Path,
    rate: float,
    settings: BlockSettings,
    *,
    load_cpu: int | None = None,
    target_cpu: int | None = None,
    rules: ThrowOutRules | None = None,
) -> list[BlockRecord]:
    """Interleaved blocks at a fixed arrival rate (open model), warm-up first."""
    blocks = fixed_rate_blocks(
        pairs=settings.pairs,
        seconds=settings.seconds,
        rate=rate,
        warmup_seconds=settings.warmup_seconds,
        seed=settings.seed,
    )
    return run_blocks(
        arms,
        blocks,
        out_dir,
        workers=settings.workers,
        load_cpu=load_cpu,
        target_cpu=target_cpu,
        rules=rules,
        drain_seconds=settings.drain_seconds,
    )


def measure_service_ms(
    arm: Arm,
    out_dir: Path,
    rate: float,
    *,
    seconds: float = 2.0,
    warmup_seconds: float = 1.0,
    load_cpu: int | None = None,
    target_cpu: int | None = None,
) -> float:
    """The median latency (ms) of one arm under the same open-model load the comparison uses.

    Why: an effect injected to prove a check can fail (a mutant's busy-wait) must be sized from the
    machine it runs on. A fixed amount of work is 5% of a request on one CPU and 3.5% on another, and
    near a 2% budget that decides whether the check FAILs or is INCONCLUSIVE. Two blocks of the arm
    against itself, after a warm-up; blocks the throw-out rules reject are still counted here, since
    only the order of magnitude matters.
    """
    records = measure_at_rate(
        {"A": arm, "B": arm},
        out_dir,
        rate,
        BlockSettings(pairs=1, seconds=seconds, warmup_seconds=warmup_seconds, drain_seconds=0.3),
        load_cpu=load_cpu,
        target_cpu=target_cpu,
    )
    latencies = [ms for r in records if not r.warmup for ms in r.latencies_ms]
    if not latencies:
        raise RuntimeError(f"no request of {arm.host} was answered in {seconds:g} s blocks at {rate:g}/s")
    return statistics.median(latencies)
