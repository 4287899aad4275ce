"""Attribution: where the SDK's cost comes from, measured one switch at a time (issue 8, "Attribution").

Each configuration is the instrumented target with one switch changed, compared against the same
baseline (Sentry off) in its own short interleaved run; the table ranks configurations by the CPU
time each adds per request, with the median-latency ratio and intervals beside it. The switches are
the ones the targets' run-time contract offers (targets/README.md, targets/MUTANTS.md); the switches
the issue asks for that the targets lack are listed in ``MISSING_SWITCHES`` and reported as not
measured, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from harness.results import CheckResult, Verdict

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from harness.load.compare import ServerComparison

__all__ = ["ATTRIBUTION_CHECK", "CONFIGURATIONS", "MISSING_SWITCHES", "Configuration", "attribution_result"]

ATTRIBUTION_CHECK: Final = "performance.attribution"


@dataclass(frozen=True, slots=True)
class Configuration:
    name: str
    env: Mapping[str, str] = field(default_factory=dict)
    mutant: str | None = None


CONFIGURATIONS: Final = (
    Configuration("sdk, traces 0, profiles 0", {"SENTRY_TRACES_SAMPLE_RATE": "0", "SENTRY_PROFILES_SAMPLE_RATE": "0"}),
    Configuration("configured traces, profiles 0", {"SENTRY_PROFILES_SAMPLE_RATE": "0"}),
    Configuration("configured traces, profiler not set up", mutant="profiling-off"),
    Configuration("configured (traces + profiles)"),
    Configuration("traces 1.0", {"SENTRY_TRACES_SAMPLE_RATE": "1.0"}),
)

MISSING_SWITCHES: Final = {
    "sdk without tracing (no traces_sample_rate / tracesSampleRate key at all)": "SENTRY_TRACING=off",
    "default integrations off": "SENTRY_DEFAULT_INTEGRATIONS=off (Python default_integrations=False; Node [])",
    "one default integration off": "SENTRY_DISABLED_INTEGRATIONS=<comma-separated integration names>",
}


def _row(name: str, comparison: ServerComparison) -> dict[str, Any]:
    lat, cpu = comparison.latency.evidence, comparison.cpu.evidence
    return {
        "configuration": name,
        "median_latency_ratio": lat.get("median_ratio"),
        "a_cpu_us_per_request": cpu.get("a_cpu_us_per_request"),
        "b_cpu_us_per_request": cpu.get("b_cpu_us_per_request"),
        "added_cpu_us_per_request": cpu.get("added_cpu_us_per_request"),
        "cpu_ratio": cpu.get("cpu_ratio"),
        "pairs_kept": lat.get("pairs_kept", 0),
        "thrown_out": sorted({t["reason"] for t in lat.get("thrown_out", [])}),
        "latency_verdict": comparison.latency.verdict.value,
        "cpu_verdict": comparison.cpu.verdict.value,
    }


def attribution_result(
    target: str, measured: Sequence[tuple[str, ServerComparison]], context: Mapping[str, Any] | None = None
) -> CheckResult:
    """Rank the configurations by added CPU per request. Informational: PASS when every configuration
    was measured (two or more kept pairs), INCONCLUSIVE naming those that were not."""
    rows = [_row(name, c) for name, c in measured]
    ranked = sorted(rows, key=lambda r: -(r["added_cpu_us_per_request"] or 0.0))
    unmeasured = [r["configuration"] for r in rows if r["pairs_kept"] < 2 or r["added_cpu_us_per_request"] is None]
    parts = [
        f"{r['configuration']}: +{r['added_cpu_us_per_request']} µs/request"
        for r in ranked
        if r["configuration"] not in unmeasured
    ]
    summary = f"{target}: " + ("; ".join(parts) if parts else "nothing measured")
    evidence = {
        **(context or {}),
        "table": ranked,
        "not_measured_for_lack_of_a_switch": MISSING_SWITCHES,
    }
    if unmeasured:
        return CheckResult(
            ATTRIBUTION_CHECK, Verdict.INCONCLUSIVE, summary + f" (not decided: {', '.join(unmeasured)})", evidence
        )
    return CheckResult(ATTRIBUTION_CHECK, Verdict.PASS, summary, evidence)
