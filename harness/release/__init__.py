"""The release pipeline: run it with the real ``sentry-cli``, check what it left, measure source maps.

- `ReleaseFlow` runs ``releases new`` → ``sourcemaps inject`` → ``sourcemaps upload`` →
  ``releases finalize`` → ``deploys new``, timing each step (`flow`).
- `checks` turns what the fake Sentry holds and the built client into `CheckResult`s.
- `resolve` resolves captured frames through the uploaded bundles with ``symbolic``: accuracy.
- `browser` throws from known places in Chromium; `fixtures` gives pytest an organization per test.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.release.dist import BuiltFile, scan_dist
    from harness.release.flow import STEPS, FlowResult, ReleaseFlow, StepResult
    from harness.release.resolve import (
        AccuracyReport,
        BundleIndex,
        ThrowSite,
        collect_throw_sites,
        load_throw_sites,
        measure_accuracy,
    )
    from harness.release.sentry_cli import CliTarget, find_sentry_cli, sentry_cli_version

__all__ = [
    "STEPS",
    "AccuracyReport",
    "BuiltFile",
    "BundleIndex",
    "CliTarget",
    "FlowResult",
    "ReleaseFlow",
    "StepResult",
    "ThrowSite",
    "collect_throw_sites",
    "find_sentry_cli",
    "load_throw_sites",
    "measure_accuracy",
    "scan_dist",
    "sentry_cli_version",
]

_HOME = {
    "CliTarget": "sentry_cli",
    "find_sentry_cli": "sentry_cli",
    "sentry_cli_version": "sentry_cli",
    "BuiltFile": "dist",
    "scan_dist": "dist",
    "STEPS": "flow",
    "FlowResult": "flow",
    "ReleaseFlow": "flow",
    "StepResult": "flow",
    "AccuracyReport": "resolve",
    "BundleIndex": "resolve",
    "ThrowSite": "resolve",
    "collect_throw_sites": "resolve",
    "load_throw_sites": "resolve",
    "measure_accuracy": "resolve",
}


def __getattr__(name: str) -> Any:
    """Names load on first use: the pytest plugin imports the fixtures without symbolic or Playwright."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'harness.release' has no attribute {name!r}")
    return getattr(importlib.import_module(f"harness.release.{module}"), name)
