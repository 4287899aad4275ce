"""A target file's browser journey (``[journey]``) run on a Playwright page, the same way for every caller.

The file states the journey either as simple steps (``goto``, ``fill``, ``click``, ``wait_for``, ``press``)
or as a Python function in the user's repository (``path/to/file.py:function``, called with the page, the
base URL and the canaries). The production checks run it to make the page send what a user's visit sends;
the privacy audit runs it with planted canaries. Nothing here knows which app it drives: no page hook, no
gate route, only what the file states.

The pure parts (URL joining, ``{canary.KIND}`` filling, the first page a journey opens, loading the
function) are separate from `run_steps` / `run_journey`, which drive the page.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode, urljoin, urlsplit

from harness.errors import UsageError

if TYPE_CHECKING:
    from harness.targetfile.model import Journey, JourneyStep

__all__ = [
    "STEP_TIMEOUT_MS",
    "JourneyFunction",
    "filled_text",
    "first_path",
    "load_function",
    "page_url",
    "run_journey",
    "run_steps",
    "run_steps_async",
]

STEP_TIMEOUT_MS: Final = 15_000
"""How long one step may wait (a selector to appear, a page to load) before the journey fails."""
_PLACEHOLDER = re.compile(r"\{canary\.([A-Za-z_]+)\}")

JourneyFunction = Callable[[Any, str, Mapping[str, str]], object]
"""``function(page, base_url, canaries)``: the user's own journey (its return value is ignored)."""


def page_url(base_url: str, path: str, query: Mapping[str, str] | None = None) -> str:
    """``path`` (a path, or an absolute URL) resolved against the app's base URL, with ``query`` added to
    its own query string (a probe marks the pages it opens this way: the SDK reports the page's URL)."""
    url = urljoin(base_url.rstrip("/") + "/", path)
    if not query:
        return url
    parts = urlsplit(url)
    extra = urlencode(dict(query))
    return parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra).geturl()


def filled_text(text: str, canaries: Mapping[str, str]) -> str:
    """``{canary.KIND}`` replaced by the run's value for KIND (a plain marked value when none is given), so
    a step's typed text is the one the privacy audit searches for."""
    return _PLACEHOLDER.sub(lambda m: canaries.get(m.group(1), f"sentry-gate-{m.group(1)}"), text)


def first_path(steps: Sequence[JourneyStep]) -> str | None:
    """The path of the journey's first ``goto`` (the page a visit lands on), or None."""
    return next((s.goto for s in steps if s.goto is not None), None)


def load_function(root: Path, spec: str) -> JourneyFunction:
    """The function ``path/to/file.py:name`` of the user's repository (``root`` is the target file's folder),
    imported from its file; a missing file or name is a `UsageError` naming ``spec``."""
    file, _, name = spec.rpartition(":")
    path = (root / file).resolve()
    if not path.is_file():
        raise UsageError(f"journey.function {spec!r}: no file {path}")
    module_spec = importlib.util.spec_from_file_location(f"sentry_gate_journey_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:
        raise UsageError(f"journey.function {spec!r}: {path} cannot be imported")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    function = getattr(module, name, None)
    if not callable(function):
        raise UsageError(f"journey.function {spec!r}: {path} has no function {name!r}")
    return function  # type: ignore[no-any-return]


def run_steps(
    page: Any,
    base_url: str,
    steps: Sequence[JourneyStep],
    *,
    canaries: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> None:
    """Each step on ``page`` (a sync Playwright page), in order; a ``goto`` (``query`` added to its URL) waits
    for the page's load event."""
    values = canaries or {}
    for step in steps:
        if step.goto is not None:
            url = page_url(base_url, filled_text(step.goto, values), query)
            page.goto(url, wait_until="load", timeout=STEP_TIMEOUT_MS)
        elif step.fill is not None:
            page.fill(step.fill[0], filled_text(step.fill[1], values), timeout=STEP_TIMEOUT_MS)
        elif step.click is not None:
            page.click(step.click, timeout=STEP_TIMEOUT_MS)
        elif step.wait_for is not None:
            page.wait_for_selector(step.wait_for, timeout=STEP_TIMEOUT_MS)
        elif step.press is not None:
            page.press(step.press[0], step.press[1], timeout=STEP_TIMEOUT_MS)


async def run_steps_async(
    page: Any,
    base_url: str,
    steps: Sequence[JourneyStep],
    *,
    canaries: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> None:
    """`run_steps` for an async Playwright page (many sessions side by side)."""
    values = canaries or {}
    for step in steps:
        if step.goto is not None:
            url = page_url(base_url, filled_text(step.goto, values), query)
            await page.goto(url, wait_until="load", timeout=STEP_TIMEOUT_MS)
        elif step.fill is not None:
            await page.fill(step.fill[0], filled_text(step.fill[1], values), timeout=STEP_TIMEOUT_MS)
        elif step.click is not None:
            await page.click(step.click, timeout=STEP_TIMEOUT_MS)
        elif step.wait_for is not None:
            await page.wait_for_selector(step.wait_for, timeout=STEP_TIMEOUT_MS)
        elif step.press is not None:
            await page.press(step.press[0], step.press[1], timeout=STEP_TIMEOUT_MS)


def run_journey(
    page: Any,
    base_url: str,
    journey: Journey,
    *,
    root: Path,
    canaries: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> None:
    """The file's journey on ``page``: its function (loaded from ``root``, the target file's folder) or
    its steps (``query`` added to each ``goto``; a function opens its own URLs). The error steps are not
    run (`run_steps` with ``journey.error_steps`` runs them)."""
    if journey.function is not None:
        load_function(root, journey.function)(page, base_url, dict(canaries or {}))
    else:
        run_steps(page, base_url, journey.steps, canaries=canaries, query=query)
