"""Evidence as a reader sees it: a short line of figures, with anything secret-looking masked.

Checks put counts, intervals and configured values in evidence, never secrets; but a report is the
last place a mistake could leak, so values under keys that name a secret (token, password, dsn, …)
are masked with `mask_secret` here as a second net.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from harness.results import mask_secret

__all__ = ["figures", "mask_evidence"]

_SECRET_KEY: Final = re.compile(r"(token|secret|password|passwd|auth|cookie|dsn|api[_-]?key|credential)", re.I)
_MAX_FIGURES: Final = 5


def mask_evidence(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with every string under a secret-looking key masked (recursively)."""
    if isinstance(value, Mapping):
        return {k: mask_evidence(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_evidence(v, key) for v in value]
    if isinstance(value, str) and _SECRET_KEY.search(key):
        return mask_secret(value)
    return value


def _short(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:37] + "…"
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return f"[{value[0]:.4g}, {value[1]:.4g}]"  # an interval
    return None


def figures(evidence: Mapping[str, Any]) -> str:
    """The first few scalar figures of the evidence, ``key=value``; the rest is in findings.json."""
    masked = mask_evidence(evidence)
    shown = []
    for key, value in masked.items():
        text = _short(value)
        if text is not None:
            shown.append(f"{key}={text}")
        if len(shown) == _MAX_FIGURES:
            break
    more = len(masked) - len(shown)
    return ", ".join(shown) + (f" (+{more} more)" if more > 0 and shown else "")
