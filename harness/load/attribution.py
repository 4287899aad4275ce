"""Attribution: where the SDK's cost comes from, measured one switch at a time (issue 8, "Attribution").

One run per target: the baseline (Sentry off, arm ``A``) and every configuration below started side
by side on the target core, then driven in rotation rounds (``plan.rotation_blocks``) at one arrival
rate. Each configuration is compared with the baseline block of its own round, so k configurations
cost k + 1 blocks a round instead of the 2k of separate A/B runs. The table ranks them by the CPU
time each adds per request, with the median-latency ratio beside it, and says how much of the SDK's
added CPU the plan's rollback (rates to 0) removes.

It is evidence for ``performance.overhead.server-cpu``, not a check of its own: nothing in it is a
property a deployment can violate that the gate could tell from noise. Each arm is one process, and
two processes of the same configuration differ by up to ~20% of the SDK's added CPU (JIT warm-up,
memory layout; measured in docs/load.md), which more rounds do not average away. Differences between
configurations smaller than that are not attributions.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from harness.load.compare import ServerComparison
from harness.load.plan import rotation_blocks
from harness.load.records import kept_pairs
from harness.load.report import write_block_csv, write_latency_csv
from harness.load.rig import BASELINE, ArmSpec
from harness.load.runner import BlockSettings, run_blocks
from harness.load.verdict import DEFAULT_BUDGET, cpu_check, latency_check
from harness.stats.overhead import mean_interval

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from harness.load.plan import Arm
    from harness.load.records import BlockRecord

__all__ = [
    "ATTRIBUTION_BLOCKS",
    "CONFIGURED",
    "ROLLBACK",
    "Configuration",
    "arm_specs",
    "attribution_line",
    "attribution_table",
    "compare_configurations",
    "configurations",
    "measure_attribution",
    "rollback_shares",
]


@dataclass(frozen=True, slots=True)
class Configuration:
    key: str  # the arm's name in the plan and the rig (never "A": that is the baseline)
    name: str
    env: Mapping[str, str] = field(default_factory=dict)
    mutant: str | None = None


def arm_specs(configs: Sequence[Configuration]) -> dict[str, ArmSpec]:
    """The rig's arms for ``configs``: the baseline as ``A`` (Sentry off), then each configuration by key."""
    return {"A": BASELINE} | {c.key: ArmSpec(sentry=True, mutant=c.mutant, env=dict(c.env)) for c in configs}


CONFIGURED: Final = Configuration("configured", "configured (traces + profiles)")
ROLLBACK: Final = Configuration(
    "rollback", "rollback: traces 0, profiles 0", {"SENTRY_TRACES_SAMPLE_RATE": "0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}
)
_COMMON: Final = (
    CONFIGURED,
    ROLLBACK,
    Configuration("no-tracing", "SDK without tracing (no rate key)", {"SENTRY_TRACING": "off"}),
    Configuration("profiles-0", "configured traces, profiles 0", {"SENTRY_PROFILES_SAMPLE_RATE": "0"}),
    Configuration("traces-1", "traces 1.0", {"SENTRY_TRACES_SAMPLE_RATE": "1.0"}),
    Configuration("no-default-integrations", "default integrations off", {"SENTRY_DEFAULT_INTEGRATIONS": "off"}),
)
# The integrations a request passes through, switched off one at a time (names as each SDK spells them).
_INTEGRATIONS: Final[dict[str, tuple[str, ...]]] = {
    "express-vue": ("Http", "Express", "NodeFetch"),
    "python-api": ("starlette", "httpx", "logging"),
}


def configurations(target: str) -> tuple[Configuration, ...]:
    """The configurations attribution measures on ``target``, the rollback and the configured set-up first."""
    singles = tuple(
        Configuration(
            f"without-{name.lower()}", f"configured, {name} integration off", {"SENTRY_DISABLED_INTEGRATIONS": name}
        )
        for name in _INTEGRATIONS.get(target, ())
    )
    return _COMMON + singles


ATTRIBUTION_BLOCKS: Final = BlockSettings(pairs=3, seconds=2.5, warmup_seconds=1.5, drain_seconds=0.3)
"""Short blocks (``pairs`` counts rotation rounds here): attribution ranks CPU per request, which settles
within a couple of seconds."""


def measure_attribution(
    arms: Mapping[str, Arm],
    configs: Sequence[Configuration],
    out_dir: Path,
    *,
    rate: float,
    settings: BlockSettings = ATTRIBUTION_BLOCKS,
    budget: float = DEFAULT_BUDGET,
    load_cpu: int | None = None,
    target_cpu: int | None = None,
) -> tuple[list[tuple[Configuration, ServerComparison]], list[BlockRecord]]:
    """Run the rotation over ``arms`` (``A`` and each configuration's key) and compare each with ``A``."""
    keys = ["A", *(c.key for c in configs)]
    blocks = rotation_blocks(
        keys,
        rounds=settings.pairs,
        seconds=settings.seconds,
        rate=rate,
        warmup_seconds=settings.warmup_seconds,
        seed=settings.seed,
    )
    records = run_blocks(
        dict(arms),
        blocks,
        out_dir,
        workers=settings.workers,
        load_cpu=load_cpu,
        target_cpu=target_cpu,
        drain_seconds=settings.drain_seconds,
    )
    write_block_csv(records, out_dir / "blocks.csv")
    write_latency_csv(records, out_dir / "latencies.csv")
    return compare_configurations(records, configs, rate=rate, budget=budget), records


def compare_configurations(
    records: Sequence[BlockRecord], configs: Sequence[Configuration], *, rate: float, budget: float = DEFAULT_BUDGET
) -> list[tuple[Configuration, ServerComparison]]:
    """Each configuration against the baseline block of its own rounds (pure: block records in)."""
    measured: list[tuple[Configuration, ServerComparison]] = []
    for config in configs:
        a, b = kept_pairs(records, config.key)
        own = [r for r in records if r.arm in ("A", config.key)]
        ctx = {"configuration": config.name, "arm": config.key, "rate_per_s": rate}
        lat = latency_check(a, b, own, budget=budget, context=ctx)
        cpu = cpu_check(a, b, own, budget=budget, context=ctx)
        measured.append((config, ServerComparison(rate, own, lat, cpu)))
    return measured


def _row(config: Configuration, comparison: ServerComparison) -> dict[str, Any]:
    lat, cpu = comparison.latency.evidence, comparison.cpu.evidence
    return {
        "configuration": config.name,
        "arm": config.key,
        "switch": dict(config.env) or ({"mutant": config.mutant} if config.mutant else {}),
        "median_latency_ratio": lat.get("median_ratio"),
        "a_cpu_us_per_request": cpu.get("a_cpu_us_per_request"),
        "b_cpu_us_per_request": cpu.get("b_cpu_us_per_request"),
        "added_cpu_us_per_request": cpu.get("added_cpu_us_per_request"),
        "cpu_ratio": cpu.get("cpu_ratio"),
        "pairs_kept": lat.get("pairs_kept", 0),
        "thrown_out": sorted({t["reason"] for t in lat.get("thrown_out", []) if t["arm"] == config.key}),
    }


def rollback_shares(records: Sequence[BlockRecord]) -> tuple[list[float], int]:
    """Per round with the baseline, the configured arm and the rollback all kept: the share of the
    configured arm's added CPU per request that the rollback removes. Also how many complete rounds
    were left out because the SDK added no CPU in them (nothing to cut)."""
    rounds: dict[int, dict[str, BlockRecord]] = {}
    for r in records:
        if not r.warmup and r.thrown_out is None and r.arm in ("A", CONFIGURED.key, ROLLBACK.key):
            rounds.setdefault(r.pair, {})[r.arm] = r
    shares, nothing_added = [], 0
    for sides in (rounds[k] for k in sorted(rounds)):
        if len(sides) != 3:
            continue
        base, conf, back = (sides[k].cpu_us_per_request for k in ("A", CONFIGURED.key, ROLLBACK.key))
        if base is None or conf is None or back is None:
            continue
        if conf <= base:
            nothing_added += 1
            continue
        shares.append((conf - back) / (conf - base))
    return shares, nothing_added


def attribution_table(
    measured: Sequence[tuple[Configuration, ServerComparison]],
    records: Sequence[BlockRecord],
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The evidence: configurations ranked by added CPU per request, those not measured, and the share
    of the SDK's added CPU the rollback removes (mean over rounds, with a t interval)."""
    rows = [_row(c, comp) for c, comp in measured]
    ranked = sorted(rows, key=lambda r: -(r["added_cpu_us_per_request"] or 0.0))
    unmeasured = [r["configuration"] for r in rows if r["pairs_kept"] < 2 or r["added_cpu_us_per_request"] is None]
    shares, nothing_added = rollback_shares(records)
    table: dict[str, Any] = {
        **(context or {}),
        "ranked": ranked,
        "not_measured": unmeasured,
        "rollback_share_per_round": [round(x, 4) for x in shares],
        "rounds_where_the_sdk_added_no_cpu": nothing_added,
        "rollback_share": None,
    }
    if len(shares) >= 2:
        ci = mean_interval(shares)
        table["rollback_share"] = {
            "estimate": round(statistics.fmean(shares), 4),
            "interval": ci.as_list(),
            "level": ci.level,
            "method": ci.method,
            "rounds": len(shares),
        }
    return table


def attribution_line(table: Mapping[str, Any]) -> str:
    """One sentence for the CPU check's summary: the ranking, then what the rollback removes."""
    unmeasured = set(table["not_measured"])
    parts = [
        f"{r['configuration']} {r['added_cpu_us_per_request']:+.0f}"
        for r in table["ranked"]
        if r["configuration"] not in unmeasured
    ]
    text = "Attribution, CPU µs added per request: " + ("; ".join(parts) if parts else "nothing measured")
    if unmeasured:
        text += f" (not measured: {', '.join(sorted(unmeasured))})"
    share = table.get("rollback_share")
    if share:
        lo, hi = share["interval"]
        text += (
            f". The rollback (traces 0, profiles 0) removes {share['estimate']:.0%} of the SDK's added CPU "
            f"({share['level']:.0%} CI {lo:.0%}..{hi:.0%}, {share['rounds']} rounds)"
        )
    return text + "."
