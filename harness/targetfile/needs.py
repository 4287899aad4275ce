"""Which fields of a target file a check needs, and why it is skipped when the file leaves one out.

A suite marks a check ``@pytest.mark.needs("gate_routes.page_hook", …)``: dotted paths into the file's
model (a table, a field, or a named entry such as ``services.fake-spotify``). A path whose value is
absent, empty or false is missing, and the check is skipped with a reason that names it, so a user
reads what to add rather than guessing. ``bundled`` stands for what only the bundled reference apps
provide today (their own routes, build and throw sites). Pure: model in, reason out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from harness.targetfile.model import TargetFile

__all__ = ["BUNDLED", "missing_reason"]

BUNDLED: Final = "bundled"


def _value(model: TargetFile, path: str) -> object:
    value: object = model
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    return value


def missing_reason(model: TargetFile, needs: tuple[str, ...], bundled_names: tuple[str, ...]) -> str | None:
    """Why a check needing ``needs`` cannot run on the app ``model`` describes, or None if it can."""
    if BUNDLED in needs and model.name not in bundled_names:
        return (
            f"runs only on the bundled reference apps today (it drives their own routes, build and throw sites),"
            f" not on {model.name!r}"
        )
    missing = [path for path in needs if path != BUNDLED and not _value(model, path)]
    if not missing:
        return None
    fields = ", ".join(f"[{p}]" if "." not in p else p for p in missing)
    return f"needs {fields} in the target file of {model.name!r}, which does not declare it"
