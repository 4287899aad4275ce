"""The shop's page, built with a baked DSN through the file's own build, in Debian's Chromium: the page's
SDK reports its known wishlist bug to the baked project; two page mistakes really show there."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.common.browser import chromium, chromium_missing
from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient, ProjectHandle
from harness.ingest.wire import StoredItem
from harness.targets.lifecycle import build
from harness.targets.target import Target
from tests.targets.foreign_shop.shop import RELEASE, Shops, described

# One worker builds the page at a time (the bundle is one file in the source tree).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("foreign-shop-page")]


def click_wishlist(target: Target, project: ProjectHandle, seen: int) -> StoredItem:
    """Open the page, click the broken wishlist button, and (tab still open) wait for the error event
    after the ``seen`` earlier ones."""
    with chromium() as browser:
        page = browser.new_page()
        page.goto(target.url + "/products/p-102")
        page.wait_for_selector("#products li")
        page.click("#wishlist")
        events = project.wait_for_items("event", count=seen + 1, timeout=15)
        page.close()
    return sorted(events, key=lambda i: i.id)[seen]


def test_the_page_reports_to_its_baked_dsn_and_the_page_mistakes_show(
    shops: Shops, sentry_ingest: IngestClient, tmp_path: Path
) -> None:
    if (why := chromium_missing()) is not None:
        unavailable(why)
    if shutil.which("node") is None:
        unavailable("node is not installed (the page's build needs it)")
    page_project = ProjectHandle(sentry_ingest, sentry_ingest.create_project("foreign-shop page (baked)"))
    build(described(), tmp_path, env={"SHOP_PUBLIC_SENTRY_DSN": page_project.dsn})

    target, _ = shops()
    event = click_wishlist(target, page_project, 0)
    assert event.json()["exception"]["values"][0]["type"] == "TypeError"
    assert (event.environment, event.release) == ("live", RELEASE)

    no_release, _ = shops("page_without_release")
    assert click_wishlist(no_release, page_project, 1).release is None
