"""sentry-gate: prove a web app's Sentry integration is production-ready.

The package is a library first: the ingest, codecs, statistics and scanners are importable
pieces that the CLI, the pytest plugin, the suites and the benchmarks all share.
"""

from harness.results import CheckResult, Evidence, MaskedLocation, Verdict, mask_secret

__all__ = ["CheckResult", "Evidence", "MaskedLocation", "Verdict", "mask_secret"]
__version__ = "0.1.0"
