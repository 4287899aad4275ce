"""The ``sentry-cli`` locator: where the real binary comes from, and how it is called against the fake web API.

(Our own subcommand, ``sentry-gate release``, is `harness.cli.release_cmd`.)

The binary ships inside a registry package: the ``sentry-cli`` wheel puts it in the virtualenv's
``bin/`` beside the interpreter, and npm's ``@sentry/cli`` in ``node_modules/.bin/``. Both are the
same Rust binary; the wheel is preferred because ``make install-python`` installs it everywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.settings import Settings


def find_sentry_cli(extra: list[Path] | None = None, settings: Settings | None = None) -> Path | None:
    """The ``sentry-cli`` to run: the settings' ``sentry_cli``, the venv's, ``PATH``'s, then ``extra``."""
    configured = (Settings.from_environ() if settings is None else settings).sentry_cli
    if configured:
        return configured
    beside = Path(sys.executable).parent / "sentry-cli"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("sentry-cli")
    if found:
        return Path(found)
    for candidate in extra or []:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def sentry_cli_version(cli: Path) -> str:
    out = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip().removeprefix("sentry-cli ").strip()


@dataclass(frozen=True)
class CliTarget:
    """Where ``sentry-cli`` talks to: the variables its commands read."""

    url: str
    token: str | None
    org: str
    project: str
    max_retries: int | None = None
    """``SENTRY_HTTP_MAX_RETRIES``: None keeps the CLI's default (5 retries on 502/503/504/507/524)."""

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        for name in ("SENTRY_DSN", "SENTRY_PROPERTIES", "SENTRY_LOAD_DOTENV"):
            env.pop(name, None)
        env.update(
            {
                "SENTRY_URL": self.url,
                "SENTRY_ORG": self.org,
                "SENTRY_PROJECT": self.project,
                "SENTRY_LOAD_DOTENV": "0",
                "SENTRY_DISABLE_UPDATE_CHECK": "1",
                "SENTRYCLI_SKIP_DOWNLOAD": "1",
                "SENTRY_NO_PROGRESS_BAR": "1",
            }
        )
        if self.token is None:
            env.pop("SENTRY_AUTH_TOKEN", None)
        else:
            env["SENTRY_AUTH_TOKEN"] = self.token
        if self.max_retries is None:
            env.pop("SENTRY_HTTP_MAX_RETRIES", None)
        else:
            env["SENTRY_HTTP_MAX_RETRIES"] = str(self.max_retries)
        return env
