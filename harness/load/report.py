"""The comparison's artefacts in the run's folder: raw CSVs anyone can re-analyse, and two plots.

``blocks.csv`` has one row per block (figures and why it was thrown out); ``latencies.csv`` every
request of every block (block, arm, pair, warm-up, journey, latency, ok). The PNG shows A against B
latency distributions over the kept blocks, and each pair's median ratio with the budget line.
matplotlib is imported only here, lazily, with the Agg backend (no display, no GUI toolkit).
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any

from harness.load.verdict import block_table
from harness.stats.overhead import quantile

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from harness.load.records import BlockRecord

__all__ = ["write_artefacts", "write_block_csv", "write_latency_csv", "write_plot"]


def write_block_csv(records: Sequence[BlockRecord], path: Path) -> Path:
    rows = block_table(records)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["block"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_latency_csv(records: Sequence[BlockRecord], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("block", "arm", "pair", "warmup", "kept", "latency_ms"))
        for r in records:
            kept = int(r.thrown_out is None and not r.warmup)
            writer.writerows((r.index, r.arm, r.pair, int(r.warmup), kept, f"{x:.3f}") for x in r.latencies_ms)
    return path


def write_plot(
    a: Sequence[BlockRecord], b: Sequence[BlockRecord], path: Path, *, budget: float, title: str
) -> Path | None:
    """A vs B latency histograms (log scale) and per-pair median ratios; None when nothing was kept."""
    if not a:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a_all = [x for r in a for x in r.latencies_ms if x > 0]
    b_all = [x for r in b for x in r.latencies_ms if x > 0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    try:
        lo = max(0.05, min(quantile(a_all, 0.001), quantile(b_all, 0.001)))
        hi = max(quantile(a_all, 0.999), quantile(b_all, 0.999))
        bins = [lo * (hi / lo) ** (i / 60) for i in range(61)]
        left.hist(a_all, bins=bins, alpha=0.55, label=f"A baseline (p50 {quantile(a_all, 0.5):.2f} ms)")
        left.hist(b_all, bins=bins, alpha=0.55, label=f"B instrumented (p50 {quantile(b_all, 0.5):.2f} ms)")
        left.set_xscale("log")
        left.set_xlabel("latency (ms)")
        left.set_ylabel("requests")
        left.legend(fontsize=8)
        left.set_title("latency, kept blocks")
        ratios = [quantile(rb.latencies_ms, 0.5) / quantile(ra.latencies_ms, 0.5) for ra, rb in zip(a, b, strict=True)]
        right.plot(range(len(ratios)), ratios, "o-", label="median ratio B/A per pair")
        right.axhline(1 + budget, color="red", linestyle="--", label=f"budget {1 + budget:.2f}")
        right.axhline(1.0, color="grey", linewidth=0.8)
        right.set_xlabel("pair (time order)")
        right.set_ylabel("ratio")
        right.legend(fontsize=8)
        right.set_title("per-pair ratios")
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=90)
    finally:
        plt.close(fig)
    return path


def write_artefacts(
    out_dir: Path,
    records: Sequence[BlockRecord],
    a: Sequence[BlockRecord],
    b: Sequence[BlockRecord],
    *,
    budget: float,
    title: str,
) -> dict[str, Any]:
    """Write the CSVs and the plot; returns their paths for the check's evidence."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Any] = {
        "blocks_csv": str(write_block_csv(records, out_dir / "blocks.csv")),
        "latencies_csv": str(write_latency_csv(records, out_dir / "latencies.csv")),
    }
    plot = write_plot(a, b, out_dir / "latency.png", budget=budget, title=title)
    if plot is not None:
        paths["plot_png"] = str(plot)
    return paths
