"""The one Chromium launcher: Debian's ``/usr/bin/chromium`` through Playwright, never a downloaded browser.

Every page the harness drives (the production probes, the privacy replay, the release throw sites, the
browser overhead, the chaos journey) runs in this browser with these arguments, so a flag changes in one
place. The settings' ``chromium`` (`harness.settings`) points at another binary. A missing browser is a
missing prerequisite: `chromium_missing` says why, and `require_chromium` / `chromium_for_tests` apply the
skip-or-fail rule.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Final, TypeVar

from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import Page as AsyncPage
from playwright.async_api import async_playwright
from playwright.sync_api import Browser, sync_playwright

from harness.common.prerequisites import unavailable
from harness.settings import Settings

__all__ = [
    "CHROMIUM_ARGS",
    "async_chromium",
    "chromium",
    "chromium_for_tests",
    "chromium_missing",
    "chromium_path",
    "in_fresh_pages",
    "require_chromium",
]


def chromium_path() -> Path:
    """The browser to launch: the settings' ``chromium`` (Debian's ``/usr/bin/chromium`` by default), read when
    a browser is wanted, not when this module is imported."""
    return Settings.from_environ().chromium


T = TypeVar("T")

CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_missing() -> str | None:
    """Why Chromium cannot be launched here, or None."""
    path = chromium_path()
    if path.exists():
        return None
    return f"{path} is missing (Debian's chromium package)"


def require_chromium() -> None:
    """Skip the calling test when Chromium is missing (fail it under ``CI``)."""
    if (why := chromium_missing()) is not None:
        unavailable(why)


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Browser]:
    """A headless Debian Chromium (a Playwright ``Browser``) with `CHROMIUM_ARGS` and ``extra_args``, closed on exit."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium_path()), headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()


@asynccontextmanager
async def async_chromium(extra_args: Sequence[str] = ()) -> AsyncIterator[AsyncBrowser]:
    """`chromium` for asyncio code (many pages side by side): an async Playwright ``Browser``, closed on exit."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(chromium_path()), headless=True, args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            await browser.close()


def chromium_for_tests(extra_args: Sequence[str] = ()) -> Iterator[Browser]:
    """`chromium` for a pytest fixture (``yield from chromium_for_tests()``): a missing browser skips, except
    under ``CI`` where it fails (`require_chromium`)."""
    require_chromium()
    with chromium(extra_args) as launched:
        yield launched


async def in_fresh_pages(
    count: int, concurrency: int, visit: Callable[[AsyncPage, int], Awaitable[T]], extra_args: Sequence[str] = ()
) -> list[T]:
    """``visit(page, i)`` for each ``i < count``, each page in a fresh context (no cookies, storage or SDK
    session shared with another), ``concurrency`` at a time in one Chromium; the results in completion order.

    How the page probes measure a browser SDK's rates: many short sessions side by side."""
    results: list[T] = []
    remaining = list(range(count))
    async with async_chromium(extra_args) as browser:

        async def worker() -> None:
            while remaining:
                i = remaining.pop()
                context = await browser.new_context()
                try:
                    results.append(await visit(await context.new_page(), i))
                finally:
                    await context.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results
