"""The block plan a load run follows: which arm, how long, at what arrival rate, in what order.

Pure data and pure functions. Blocks are interleaved ABBA BAAB … so a slow drift of the machine
(another job starting, the host's CPU slowing) hits both arms alike, and each A/B pair sits next to
each other in time: the pair is the unit the statistics resample. Warm-up blocks come first, one per
arm, and are never analysed (JIT, connection pools and the SDK's first envelopes settle there).
The plan is written as JSON for ``harness/loadtests/locustfile.py``, which runs in its own process.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

__all__ = ["DEFAULT_JOURNEYS", "Arm", "Block", "LoadPlan", "abba_order", "fixed_rate_blocks", "rotation_blocks"]

DEFAULT_JOURNEYS: Final[dict[str, int]] = {"search": 4, "track": 3, "profile": 2, "login": 1}
"""The mix: mostly reads through the Spotify proxy, some logins (which never touch the upstream)."""

Kind = Literal["fixed", "capacity"]


@dataclass(frozen=True, slots=True)
class Arm:
    """One side of the comparison: its URL, and its pid when the runner can read its CPU time."""

    host: str
    pid: int | None = None


@dataclass(frozen=True, slots=True)
class Block:
    index: int
    arm: str  # "A" (baseline), "B" (instrumented), or another arm's key in a several-arm rotation
    seconds: float
    rate: float  # arrivals per second, all processes together
    seed: int  # the journey mix's seed: both blocks of a pair send the same sequence
    warmup: bool = False
    kind: Kind = "fixed"
    concurrency: int | None = None  # capacity blocks: the cap on requests in flight
    pair: int = -1  # which A/B pair (or rotation round) this block belongs to (-1: warm-up)


def abba_order(pairs: int) -> list[tuple[str, str]]:
    """Pair order AB, BA, BA, AB, AB, BA, …: each arm goes first as often as the other, and no arm
    runs three blocks in a row. Returns one (first, second) tuple per pair."""
    if pairs < 1:
        raise ValueError("need at least one pair")
    pattern = [("A", "B"), ("B", "A"), ("B", "A"), ("A", "B")]
    return [pattern[i % 4] for i in range(pairs)]


def fixed_rate_blocks(
    *,
    pairs: int,
    seconds: float,
    rate: float,
    warmup_seconds: float,
    start_index: int = 0,
    seed: int = 0,
    kind: Kind = "fixed",
    concurrency: int | None = None,
) -> list[Block]:
    """Warm-up (A then B, if ``warmup_seconds`` > 0), then ``pairs`` interleaved A/B pairs."""
    blocks: list[Block] = []
    index = start_index
    if warmup_seconds > 0:
        for arm in ("A", "B"):
            blocks.append(Block(index, arm, warmup_seconds, rate, seed, True, kind, concurrency))
            index += 1
    for pair, order in enumerate(abba_order(pairs)):
        for arm in order:
            blocks.append(Block(index, arm, seconds, rate, seed * 100_003 + pair, False, kind, concurrency, pair))
            index += 1
    return blocks


def rotation_blocks(
    arms: Sequence[str],
    *,
    rounds: int,
    seconds: float,
    rate: float,
    warmup_seconds: float,
    seed: int = 0,
) -> list[Block]:
    """Several arms against one baseline: a warm-up per arm, then ``rounds`` rounds in which every arm
    runs one block, each round rotated one place (a cyclic Latin square: over len(arms) rounds every arm
    runs once in every position, so none always runs first or right after the baseline). All blocks of a round
    send the same journey sequence, and the round is the unit the statistics pair on: each arm's
    block against the baseline's block of the same round. Sharing the baseline is what makes
    measuring k configurations cost k + 1 blocks a round instead of 2k."""
    if len(arms) < 2 or len(set(arms)) != len(arms):
        raise ValueError("a rotation needs two or more distinct arms")
    if rounds < 1:
        raise ValueError("need at least one round")
    order = list(arms)
    blocks: list[Block] = []
    index = 0
    if warmup_seconds > 0:
        for arm in order:
            blocks.append(Block(index, arm, warmup_seconds, rate, seed, True))
            index += 1
    for r in range(rounds):
        for arm in order[r % len(order) :] + order[: r % len(order)]:
            blocks.append(Block(index, arm, seconds, rate, seed * 100_003 + r, False, "fixed", None, r))
            index += 1
    return blocks


@dataclass(frozen=True, slots=True)
class LoadPlan:
    arms: dict[str, Arm]
    blocks: list[Block]
    out_dir: str
    journeys: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_JOURNEYS))
    workers: int = 1
    start_at: float | None = None  # wall-clock start shared by a distributed run's workers
    drain_seconds: float = 1.0
    request_timeout: float = 10.0
    max_concurrency: int = 256
    target_core: int | None = None  # the CPU the targets are pinned to: its busy time is read per block

    def __post_init__(self) -> None:
        if "A" not in self.arms or len(self.arms) < 2:
            raise ValueError("a plan has a baseline arm A and at least one other")
        if unknown := {b.arm for b in self.blocks} - set(self.arms):
            raise ValueError(f"blocks name arms the plan does not have: {sorted(unknown)}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")

    def timetable_seconds(self) -> float:
        """How long the timetable lasts (each block's slot: its length, then up to ``drain_seconds`` for the
        requests still in flight to finish; the next block starts at the slot's end)."""
        return sum(b.seconds + self.drain_seconds for b in self.blocks)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["arms"] = {k: asdict(v) for k, v in self.arms.items()}
        return data

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        return path
