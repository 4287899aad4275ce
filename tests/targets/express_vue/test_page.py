"""The page in Chromium: a click that reaches the ingest with a debug ID and a top frame that the release
checks' source-map reader resolves to the throw-site list; the replay of an error session (the on-error
buffer, sent because of that error); the injected mutant taken by init; development silent without its flag."""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.ingest import IngestClient
from harness.ingest.wait import mentions, wait_matching
from harness.production.replay_journey import OLD_ENOUGH, open_page, replay_events, wait_for_replay
from harness.release.resolve import same_source
from harness.targets.target import Target

from ..support import envelope_headers
from .express import CLIENT, RELEASE, browser_project, bundle, click_throw_site, marker, resolve

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]


@pytest.mark.browser
def test_click_reaches_ingest_with_debug_id_and_resolvable_frames(
    chromium: Any, production: Target, sentry_ingest: IngestClient
) -> None:
    mark = marker()
    page = open_page(chromium, f"{production.url}/errors?marker={mark}")
    try:
        page.click("#throw")
        page.wait_for_function("document.querySelector('#errors-status').textContent === 'thrown'", polling=100)
        assert page.evaluate("window.__gate.flush(5000)") is True
    finally:
        page.context.close()
    [event] = wait_matching(browser_project(production), mentions(mark), type="event")
    data = event.json()
    assert event.release == RELEASE
    assert event.environment == "production"
    assert envelope_headers(sentry_ingest, event)["trace"]["sample_rate"] == "0.1"
    frames = data["exception"]["values"][0]["stacktrace"]["frames"]
    top = frames[-1]
    assert top["filename"].startswith(f"{production.url}/assets/index-"), top
    code, source_map = bundle(CLIENT / "dist")
    debug_id = re.search(r"//# debugId=([0-9a-f-]{36})", code).group(1)
    assert {"type": "sourcemap", "code_file": top["filename"], "debug_id": debug_id} in data["debug_meta"]["images"]
    site = click_throw_site()
    original = resolve(source_map, top["lineno"], top["colno"])
    assert original is not None
    assert same_source(original.file, site["file"]), original
    assert (original.line, original.column) == (site["line"], site["column"]), original


@pytest.mark.browser
def test_error_session_sends_replay_in_production(chromium: Any, production: Target) -> None:
    mark = marker()
    # The production session rate (0.05) would make one run in twenty a session replay, not the on-error
    # buffer this test is about: the session rate is 0 here, the on-error rate stays production's 1.0.
    no_session = {"overrides": {"replaysSessionSampleRate": 0}}
    project = browser_project(production)
    page = open_page(chromium, f"{production.url}/errors?marker={mark}", config=no_session)
    try:
        page.wait_for_function(OLD_ENOUGH, timeout=15000, polling=100)
        page.click("#throw")
        page.wait_for_function("window.__gate.replayId() !== null", polling=100)
        replay_id = page.evaluate("window.__gate.replayId()")
        # The SDK sends the buffer itself once the error's send succeeded, with the error's id in the
        # replay's context; the flush hook called before that moment sent the buffer without it (a race
        # CI lost once), so it is called only after the SDK's own send arrived.
        wait_for_replay(project, replay_id)
        assert page.evaluate("window.__gate.flush(5000)") is True
    finally:
        page.context.close()
    [event] = wait_matching(project, mentions(mark), type="event")
    assert event.json()["tags"]["replayId"] == replay_id
    replay = wait_for_replay(project, replay_id)
    # A buffered (on-error) replay, sent because of this error.
    assert {r.json().get("replay_type") for r in replay} == {"buffer"}
    assert event.event_id in {e for r in replay for e in r.json().get("error_ids") or []}
    assert replay_events(project, replay_id)


@pytest.mark.browser
def test_init_applies_the_injected_mutant(chromium: Any, production: Target) -> None:
    """``preview`` runs the code init runs; this shows init itself takes the mutant from the injected config."""
    page = open_page(chromium, f"{production.url}/errors", config={"mutant": "browser-traces-rate-full"})
    try:
        assert page.evaluate("window.__gate.options.tracesSampleRate") == 1
    finally:
        page.context.close()


@pytest.mark.browser
def test_development_page_is_silent_without_its_flag(chromium: Any, fleet: dict[str, Target]) -> None:
    results = {}
    for key in ("development", "development-flag"):
        page = open_page(chromium, f"{fleet[key].url}/errors")
        try:
            results[key] = page.evaluate("[window.__gate.enabled, window.__gate.settings.tracesSampleRate]")
        finally:
            page.context.close()
    assert results == {"development": [False, 1], "development-flag": [True, 1]}
