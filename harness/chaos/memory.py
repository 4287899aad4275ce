"""Bounded cost of an outage: the target's resident memory, read from /proc, and the decision on its growth.

`rss_mb` is the only I/O; `memory_bounded` is pure, so its failure path is shown by a unit test with
figures (no mutant leaks memory on an outage, and a short self-test outage cannot prove the bound).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from harness.results import CheckResult, Verdict

__all__ = ["GROWTH_LIMIT_MB", "memory_bounded", "parse_vm_rss", "rss_mb"]

GROWTH_LIMIT_MB = 50.0
"""Issue 7: target memory growth during a 60 s outage stays under 50 MB."""


def parse_vm_rss(status: str) -> float:
    """The ``VmRSS`` line of /proc/<pid>/status, in MB (1 MB = 1024 kB, as the kernel counts)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            parts = line.split()
            return int(parts[1]) / 1024.0
    raise ValueError("no VmRSS line (a kernel thread, or the process has exited)")


def rss_mb(pid: int) -> float:
    return parse_vm_rss(Path(f"/proc/{pid}/status").read_text())


def memory_bounded(
    check_id: str,
    fault: str,
    *,
    before_mb: float,
    samples_mb: Sequence[float],
    requests: int,
    failed: int = 0,
    limit_mb: float = GROWTH_LIMIT_MB,
) -> CheckResult:
    """Growth is the settled RSS under the fault (the median of its last quarter of samples, at least 3)
    minus the steady RSS before it; it must stay below ``limit_mb``. The peak is reported beside it.

    Settled, not peak: what must stay bounded is what the outage keeps (the SDK's queue, buffers);
    a single sample catches V8's heap at whatever point its collector had reached (one 60 s run of
    the Express target peaked at 201.7 MB while its last sample, and the probe after, read 167 MB).
    """
    if not samples_mb:
        return CheckResult(check_id, Verdict.INCONCLUSIVE, f"{fault}: no RSS sample under the fault")
    peak = max(samples_mb)
    settled = statistics.median(samples_mb[-max(3, len(samples_mb) // 4) :])
    growth = settled - before_mb
    evidence = {
        "fault": fault,
        "rss_before_mb": round(before_mb, 1),
        "rss_settled_mb": round(settled, 1),
        "rss_peak_mb": round(peak, 1),
        "peak_growth_mb": round(peak - before_mb, 1),
        "rss_last_mb": round(samples_mb[-1], 1),
        "growth_mb": round(growth, 1),
        "limit_mb": limit_mb,
        "samples": len(samples_mb),
        "requests": requests,
        "failed": failed,
    }
    figures = (
        f"RSS {before_mb:.1f} → settled {settled:.1f} MB (growth {growth:+.1f} MB, limit {limit_mb:g} MB;"
        f" peak {peak:.1f} MB) over {requests} requests"
    )
    if growth >= limit_mb:
        return CheckResult(check_id, Verdict.FAIL, f"{fault}: {figures}", evidence)
    return CheckResult(check_id, Verdict.PASS, f"{fault}: {figures}", evidence)
