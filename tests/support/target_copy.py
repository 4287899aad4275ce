"""Copy a bundled app's target file outside the repository, its relative folders made absolute.

What a user does with a file from elsewhere ("paths adjusted"): the copy must describe the same app,
so every check a run collects on it is the one ``bundled:NAME`` collects.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["copy_outside"]


def copy_outside(original: Path, folder: Path) -> Path:
    """Write ``folder/sentry-gate.toml``: ``original`` with each ``cwd = "…"`` resolved against its folder."""
    base = original.parent

    def absolute(match: re.Match[str]) -> str:
        return f'{match.group(1)}"{(base / match.group(2)).resolve()}"'

    text = re.sub(r'(\bcwd\s*=\s*)"([^"]*)"', absolute, original.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "sentry-gate.toml"
    copy.write_text(text, encoding="utf-8")
    return copy
