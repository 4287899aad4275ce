"""An external target: a deployment the user runs, described by its URL and what to set in it.

The gate cannot start or configure an external target, so it says what the deployment must be given
to send to the gate's ingest instead of Sentry (the DSNs of the projects created for it), and which
optional settings unlock more checks (the fault and flush routes). The ingest listens on loopback,
so the deployment has to run on the same machine, or reach it through a tunnel the user sets up.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from harness.errors import UsageError
from harness.ingest import IngestClient, ProjectHandle
from harness.settings import AppVariables, Settings
from harness.targets.options import TargetOptions
from harness.targets.target import Target

__all__ = [
    "ExternalTarget",
    "describe_external",
    "external_target",
]


@dataclass(frozen=True, slots=True)
class ExternalTarget:
    """``settings`` are environment variables to set in the deployment (docs/design.md: target contract)."""

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
            f"a tunnel. Checks that need the gate routes are skipped when {AppVariables.FAULT_TOKEN} is not set.",
        ]
        return "\n".join(lines)

    def sdk_settings(self) -> str:
        """The same settings as each SDK takes them (both server SDKs also read the variables themselves)."""
        dsn, browser = self.settings["SENTRY_DSN"], self.settings["SENTRY_DSN_BROWSER"]
        env = self.settings["SENTRY_ENVIRONMENT"]
        release = self.settings.get("SENTRY_RELEASE")
        node_release = f", release: {release!r}" if release else ""
        py_release = f", release={release!r}" if release else ""
        return "\n".join(
            [
                "Node (@sentry/node reads SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE from the environment):",
                f"  Sentry.init({{ dsn: {dsn!r}, environment: {env!r}{node_release} }})",
                "Python (sentry-sdk reads the same three variables):",
                f"  sentry_sdk.init(dsn={dsn!r}, environment={env!r}{py_release})",
                "Browser (hand the page its DSN at run time, e.g. from SENTRY_DSN_BROWSER in injected config):",
                f"  Sentry.init({{ dsn: {browser!r}, environment: {env!r}{node_release} }})",
                "The gate's ingest answers with CORS headers, so the page may send to it from any origin.",
            ]
        )

    def as_target(self, options: TargetOptions) -> Target:
        """A ``Target`` for the suites: no processes, no logs, gate routes if a token was agreed."""
        return Target(name="external", url=self.url, options=options)


def describe_external(url: str, options: TargetOptions) -> ExternalTarget:
    """Describe the external target at ``url`` given the DSNs and token in ``options``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"an external target needs an http(s) URL, not {url!r}")
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
        AppVariables.FAULT_TOKEN: options.fault_token or "<a secret of your choice>",
        "SENTRY_TRACES_SAMPLE_RATE": "<only to test the kill switch>",
    }
    return ExternalTarget(url=url.rstrip("/"), settings=settings, optional=optional)


def external_target(ingest: IngestClient, settings: Settings) -> Target | None:
    """The external target `sentry-gate run` handed to the suites, with its ingest projects; None if bundled.

    A suite (or a fixture) calls this to run against the user's deployment instead of a bundled target.
    """
    if not settings.target or not settings.external:
        return None
    projects = {p.id: p for p in ingest.projects()}
    server = projects.get(settings.server_project or 0)
    browser = projects.get(settings.browser_project or 0)
    if server is None or browser is None:
        raise UsageError(f"the run names {settings.target} but its ingest projects are not on this ingest")
    options = TargetOptions(
        environment=settings.environment or "production",
        release=settings.release or None,
        server_dsn=server.dsn,
        browser_dsn=browser.dsn,
        fault_token=None,
    )
    target = Target(name="external", url=settings.target.rstrip("/"), options=options)
    target.server_project = ProjectHandle(ingest, server)
    target.browser_project = ProjectHandle(ingest, browser)
    return target
