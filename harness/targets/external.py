"""An external target: a deployment the user runs, described by its URL and what to set in it.

The gate cannot start or configure an external target, so it says what the deployment must be given
to send to the gate's ingest instead of Sentry (the DSNs of the projects created for it), and which
optional settings unlock more checks (the fault and flush routes). The ingest listens on loopback,
so the deployment has to run on the same machine, or reach it through a tunnel the user sets up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from harness.targets.target import Target

if TYPE_CHECKING:
    from harness.targets.options import TargetOptions

__all__ = ["ExternalTarget", "describe_external"]


@dataclass(frozen=True, slots=True)
class ExternalTarget:
    """``settings`` are environment variables to set in the deployment (DESIGN: Target contract)."""

    url: str
    settings: dict[str, str]
    optional: dict[str, str]

    def instructions(self) -> str:
        lines = [
            f"External target {self.url}: set these in its environment and restart it, so its SDKs send",
            "to the gate's ingest instead of Sentry:",
            *(f"  {k}={v}" for k, v in self.settings.items()),
            "Optional (more checks can run):",
            *(f"  {k}={v}" for k, v in self.optional.items()),
            "The DSNs point at this machine's loopback: the deployment must run here or reach it through",
            "a tunnel. Checks that need the gate routes are skipped when GATE_FAULT_TOKEN is not set.",
        ]
        return "\n".join(lines)

    def as_target(self, options: TargetOptions) -> Target:
        """A ``Target`` for the suites: no processes, no logs, gate routes if a token was agreed."""
        return Target(name="external", url=self.url, options=options)


def describe_external(url: str, options: TargetOptions) -> ExternalTarget:
    """Describe the external target at ``url`` given the DSNs and token in ``options``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"an external target needs an http(s) URL, not {url!r}")
    if options.server_dsn is None or options.browser_dsn is None:
        raise ValueError("create the server and browser projects first: both DSNs are needed")
    settings = {
        "SENTRY_DSN": options.server_dsn,
        "SENTRY_DSN_BROWSER": options.browser_dsn,
        "SENTRY_ENVIRONMENT": options.environment,
    }
    if options.release is not None:
        settings["SENTRY_RELEASE"] = options.release
    optional = {
        "GATE_FAULT_TOKEN": options.fault_token or "<a secret of your choice>",
        "SENTRY_TRACES_SAMPLE_RATE": "<only to test the kill switch>",
    }
    return ExternalTarget(url=url.rstrip("/"), settings=settings, optional=optional)
