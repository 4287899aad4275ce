"""What ``--target`` names, resolved before anything starts: a target file, a bundled app, or a URL.

- a path (a file, or a folder holding ``sentry-gate.toml``): the user's target file;
- ``bundled:NAME``: only a name for the bundled app's own target file;
- an http(s) URL: a deployment the gate cannot restart, with no file (today's URL mode);
- nothing: ``./sentry-gate.toml`` if it exists.

A file whose ``[app]`` gives only a ``url`` runs in URL mode too, with the file's other fields.
Every problem is a `UsageError` (exit 2) that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.errors import UsageError
from harness.report.criteria import CRITERION_KEYS
from harness.targetfile import DEFAULT_NAME, Described, load_target_file
from harness.targets.external import describe_external
from harness.targets.launcher import BUNDLED_TARGETS
from harness.targets.options import TargetOptions

__all__ = ["ResolvedTarget", "resolve_target", "waivers"]


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    label: str
    """What the report calls the target (``bundled:NAME``, the file's path, or the URL)."""
    described: Described | None
    url: str | None
    """The deployment's URL in URL mode (no restarts), else None."""

    @property
    def name(self) -> str | None:
        return self.described.name if self.described is not None else None


def resolve_target(arg: str | None) -> ResolvedTarget:
    if arg is None:
        default = Path.cwd() / DEFAULT_NAME
        if not default.is_file():
            known = ", ".join(f"bundled:{n}" for n in BUNDLED_TARGETS)
            raise UsageError(
                f"no --target and no {DEFAULT_NAME} here: write one (sentry-gate init), or name a target file,"
                f" {known}, or an http(s) URL"
            )
        arg = str(default)
    if arg.startswith(("http://", "https://")):
        describe_external(arg, TargetOptions(server_dsn="x", browser_dsn="x"))  # validates the URL
        return ResolvedTarget(label=arg, described=None, url=arg.rstrip("/"))
    if arg.startswith("bundled:"):
        name = arg.removeprefix("bundled:")
        if name not in BUNDLED_TARGETS:
            known = ", ".join(f"bundled:{n}" for n in BUNDLED_TARGETS)
            raise UsageError(f"--target {arg!r} is not one of {known}")
        if not BUNDLED_TARGETS[name].is_file():
            raise UsageError(f"--target {arg}: the bundled apps come with a source checkout of sentry-gate")
        return ResolvedTarget(label=arg, described=load_target_file(BUNDLED_TARGETS[name]), url=None)
    path = Path(arg)
    if not path.exists():
        known = ", ".join(f"bundled:{n}" for n in BUNDLED_TARGETS)
        raise UsageError(f"--target {arg!r}: no such file; name a target file, {known}, or an http(s) URL")
    described = load_target_file(path)
    url = described.model.app.url
    return ResolvedTarget(label=str(path), described=described, url=url.rstrip("/") if url else None)


def waivers(resolved: ResolvedTarget, flags: list[str]) -> dict[str, str]:
    """The criteria waived by the file's ``[waive]`` table, then by ``--waive CRITERION=REASON`` flags."""
    known = ", ".join(CRITERION_KEYS)
    chosen: dict[str, str] = {}
    if resolved.described is not None:
        for key, reason in resolved.described.model.waive.items():
            if key not in CRITERION_KEYS:
                raise UsageError(f"{resolved.described.path}: waive.{key}: not a criterion (one of {known})")
            if not reason.strip():
                raise UsageError(f"{resolved.described.path}: waive.{key}: give the reason the report prints")
            chosen[key] = reason.strip()
    for flag in flags:
        key, sep, reason = flag.partition("=")
        if not sep or not reason.strip():
            raise UsageError(f"--waive {flag!r}: write CRITERION=REASON, the reason the report prints")
        if key.strip() not in CRITERION_KEYS:
            raise UsageError(f"--waive {flag!r}: {key.strip()!r} is not a criterion (one of {known})")
        chosen[key.strip()] = reason.strip()
    return chosen
