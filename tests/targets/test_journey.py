"""The journey runner's pure parts: URLs, canary filling, the landing page, loading the user's function."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.targetfile.model import JourneyStep
from harness.targets.journey import filled_text, first_path, load_function, page_url


def test_page_url_joins_paths_and_adds_the_marking_query_to_an_existing_one() -> None:
    assert page_url("http://127.0.0.1:5000", "/products/p-1") == "http://127.0.0.1:5000/products/p-1"
    assert page_url("http://127.0.0.1:5000/", "search?q=a", {"m": "x"}) == "http://127.0.0.1:5000/search?q=a&m=x"
    assert page_url("http://127.0.0.1:5000", "/", {"m": "a b"}) == "http://127.0.0.1:5000/?m=a+b"


def test_placeholders_take_the_run_canaries_or_a_plain_marked_value() -> None:
    assert filled_text("{canary.email}/{canary.name}", {"email": "c@x.test"}) == "c@x.test/sentry-gate-name"


def test_the_landing_page_is_the_first_goto() -> None:
    steps = [JourneyStep(wait_for="#a"), JourneyStep(goto="/shop"), JourneyStep(goto="/cart")]
    assert first_path(steps) == "/shop"
    assert first_path([JourneyStep(click="#b")]) is None


def test_the_function_is_loaded_from_the_users_file(tmp_path: Path) -> None:
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "shop.py").write_text("def visit(page, base_url, canaries):\n    return base_url\n")
    assert load_function(tmp_path, "journeys/shop.py:visit")(None, "http://x", {}) == "http://x"
    with pytest.raises(UsageError, match="no function 'gone'"):
        load_function(tmp_path, "journeys/shop.py:gone")
    with pytest.raises(UsageError, match="no file"):
        load_function(tmp_path, "journeys/missing.py:visit")
