"""Where the bundled targets live: ``targets/`` beside the ``harness`` package in a source checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
TARGETS_DIR: Final = REPO_ROOT / "targets"
# The one client build both servers serve (build-time variants sit beside it as dist-<mutant>).
CLIENT_DIST: Final = TARGETS_DIR / "express_vue" / "client" / "dist"
# The same app built without the SDK's code (build.sh no-sentry): the browser-overhead baseline.
NO_SENTRY_DIST: Final = CLIENT_DIST.with_name("dist-no-sentry")


def require_source_checkout() -> None:
    """Raise if the bundled targets are not here (e.g. the harness was installed from a wheel)."""
    if not (TARGETS_DIR / "fake_spotify").is_dir():
        raise FileNotFoundError(
            f"bundled targets not found under {TARGETS_DIR}; run from a source checkout of sentry-gate "
            "or point the gate at an external target"
        )
