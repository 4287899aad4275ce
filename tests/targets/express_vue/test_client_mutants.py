"""Every client mutant of targets/MUTANTS.md shown in Chromium against the hardened page: the settings and
filter mutants through ``window.__gate.preview`` (the code init runs, for any injected config) on one page,
and the replay mutants by what their recordings reveal of the login journey's secrets."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.production.replay_journey import JourneyTab, open_page, record_replays, replay_events, wait_for_replay
from harness.targets.target import Target

from ..support import catalogue
from .express import RELEASE, SPOTIFY_EMAIL, SPOTIFY_NAME, browser_project

pytestmark = [pytest.mark.node, pytest.mark.xdist_group("express_vue")]

# ---- replay privacy ----------------------------------------------------------------------------------

REPLAY_CASES = {
    None: set(),
    "replay-inputs-unmasked": {"input"},
    "replay-text-unmasked": {"profile"},
    "replay-block-ignored": {"blocked"},
    "replay-network-authorization": {"bearer"},
    "replay-network-bodies": {"me-body", "login-body"},
}
BLOCKED_TEXT = "Blocked content: internal note 7F3A-BLOCK"  # client/src/pages/MediaPage.vue


def replay_text(events: list[dict[str, Any]]) -> str:
    """A replay's rrweb events as the SDK's compact JSON, where each secret is looked for."""
    return json.dumps(events, ensure_ascii=False, separators=(",", ":"))


def replay_leaks(text: str, bearer: str) -> set[str]:
    """What of the page's secrets a replay's recordings show, each looked for where it would leak.

    The card number is no canary here: the SDK's rrweb always masks inputs with autocomplete=cc-number.
    """
    masked_block = re.sub(r"\S", "*", BLOCKED_TEXT)
    checks = {
        "input": re.search(r'"(?:text|value)":"typed@example\.test"', text),
        "profile": re.search(rf'"textContent":"[^"]*{re.escape(SPOTIFY_NAME)}', text),
        # Blocked: neither the text nor its masked form (maskAllText) is recorded.
        "blocked": "7F3A-BLOCK" in text or f'"textContent":"{masked_block}"' in text or None,
        "bearer": re.search(rf'(?i)"authorization":"Bearer {re.escape(bearer)}"', text),
        "me-body": re.search(rf'"body":\{{.{{0,800}}?{re.escape(SPOTIFY_EMAIL)}', text, re.S),
        "login-body": re.search(r'"body":\{[^{}]*"cardNumber":"5555444433331111"', text),
    }
    return {name for name, hit in checks.items() if hit}


@pytest.mark.browser
def test_replay_privacy_and_its_mutants(chromium: Any, production: Target) -> None:
    """One page per case, in parallel tabs: the hardened replay hides what each replay mutant reveals."""
    tabs = {
        mutant: JourneyTab(
            url=f"{production.url}/login",
            config={"mutant": mutant, "overrides": {"replaysSessionSampleRate": 1.0}},
            email="typed@example.test",
            password="typedPassword77",
            card="5555444433331111",
        )
        for mutant in REPLAY_CASES
    }
    replays = record_replays(chromium, tabs)
    assert all(r.flushed for r in replays.values()), replays
    project = browser_project(production)
    results = {}
    for mutant, replay in replays.items():
        assert replay.replay_id, mutant
        assert replay.bearer, mutant
        wait_for_replay(project, replay.replay_id)
        events = replay_events(project, replay.replay_id)
        assert events, mutant
        results[mutant] = replay_leaks(replay_text(events), replay.bearer)
    assert results == REPLAY_CASES


# ---- settings and filters, previewed on one page ------------------------------------------------------


@pytest.fixture(scope="module")
def preview_page(chromium: Any, production: Target) -> Iterator[Any]:
    """One production page; ``window.__gate.preview`` answers for any other injected config."""
    page = open_page(chromium, f"{production.url}/errors")
    try:
        yield page
    finally:
        page.context.close()


def preview(page: Any, patch: dict[str, Any]) -> dict[str, Any]:
    """The page's settings for ``patch``, with the Sentry.init options it builds from them under ``options``."""
    shown = page.evaluate("(patch) => window.__gate.preview(patch)", patch)
    return {**shown["settings"], "options": shown["options"]}


def preview_filter(page: Any, patch: dict[str, Any], hook: str, event: dict[str, Any]) -> str:
    kept = page.evaluate("([p, h, e]) => window.__gate.preview(p, h, e) !== null", [patch, hook, event])
    return "kept" if kept else "dropped"


FILTER_EVENTS = {
    "health": ["beforeSendTransaction", {"transaction": "/monitoring/health", "start_timestamp": 1, "timestamp": 2}],
    "short": ["beforeSendTransaction", {"transaction": "/search", "start_timestamp": 1, "timestamp": 1.004}],
    "extension": [
        "beforeSend",
        {
            "exception": {
                "values": [
                    {"value": "x", "stacktrace": {"frames": [{"filename": "chrome-extension://abcdef/content.js"}]}}
                ]
            }
        },
    ],
    "noise": ["beforeSend", {"exception": {"values": [{"value": "[vite] hot update failed"}]}}],
}

CLIENT_CASES: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any], dict[str, Any]], bool]]] = {
    # mutant: (extra config for both runs, predicate(control_settings, mutant_settings))
    "browser-traces-rate-full": ({}, lambda c, m: (c["tracesSampleRate"], m["tracesSampleRate"]) == (0.1, 1)),
    "replay-session-rate-full": (
        {},
        lambda c, m: (c["replaysSessionSampleRate"], m["replaysSessionSampleRate"]) == (0.05, 1),
    ),
    "replay-on-error-off": ({}, lambda c, m: (c["replaysOnErrorSampleRate"], m["replaysOnErrorSampleRate"]) == (1, 0)),
    "no-release": ({}, lambda c, m: c["release"] == RELEASE and "release" not in m),
    "browser-release-mismatch": ({}, lambda c, m: m["release"] == f"{c['release']}-client"),
    "sdk-debug-on": ({}, lambda c, m: (c["options"]["debug"], m["options"]["debug"]) == (False, True)),
    "wrong-environment": ({}, lambda c, m: (c["environment"], m["environment"]) == ("production", "development")),
    "dev-sends-without-flag": (
        {"environment": "development"},
        lambda c, m: (c["enabled"], m["enabled"]) == (False, True),
    ),
    "kill-switch-ignored": (
        {"overrides": {"tracesSampleRate": 0}},
        lambda c, m: (c["tracesSampleRate"], m["tracesSampleRate"]) == (0, 0.1),
    ),
    "test-env-sends": ({"environment": "test"}, lambda c, m: (c["enabled"], m["enabled"]) == (False, True)),
    "browser-dev-sends-without-flag": (
        {"environment": "development"},
        lambda c, m: (c["enabled"], m["enabled"]) == (False, True),
    ),
    "browser-breadcrumbs-unbounded": (
        {},
        lambda c, m: (c["options"]["maxBreadcrumbs"], m["options"]["maxBreadcrumbs"]) == (50, 100),
    ),
    "browser-stacktrace-off": (
        {},
        lambda c, m: (c["options"]["attachStacktrace"], m["options"]["attachStacktrace"]) == (True, False),
    ),
}
FILTER_CASES = {
    "health-transactions-kept": ({}, "health"),
    "short-transactions-kept": ({}, "short"),
    "extension-frames-kept": ({}, "extension"),
    "dev-noise-kept": ({"environment": "development", "enableSentry": True}, "noise"),
}


def test_every_client_mutant_has_a_demonstration() -> None:
    covered = set(CLIENT_CASES) | set(FILTER_CASES) | {m for m in REPLAY_CASES if m} | {"query-tokens-kept"}
    covered |= {"url-fragment-kept"}  # shown by tests/privacy/test_replay_mutants.py
    covered |= {"browser-keepalive-only"}  # the transport, not an option: tests/production/test_page_sends.py
    assert covered == {r["name"] for r in catalogue() if r["client"] == "yes"}


@pytest.mark.browser
@pytest.mark.parametrize("mutant", sorted(CLIENT_CASES))
def test_client_setting_mutant(preview_page: Any, mutant: str) -> None:
    extra, changed = CLIENT_CASES[mutant]
    control = preview(preview_page, {**extra, "mutant": None})
    broken = preview(preview_page, {**extra, "mutant": mutant})
    assert changed(control, broken), (control, broken)


@pytest.mark.browser
@pytest.mark.parametrize("mutant", sorted(FILTER_CASES))
def test_client_filter_mutant(preview_page: Any, mutant: str) -> None:
    extra, case = FILTER_CASES[mutant]
    hook, event = FILTER_EVENTS[case]
    assert preview_filter(preview_page, {**extra, "mutant": None}, hook, event) == "dropped"
    assert preview_filter(preview_page, {**extra, "mutant": mutant}, hook, event) == "kept"


@pytest.mark.browser
def test_client_query_scrubbing_and_its_mutant(preview_page: Any) -> None:
    event = {
        "request": {"url": "http://x/api/auth/callback?code=pgCode31&state=pgState32"},
        "breadcrumbs": [{"category": "fetch", "data": {"url": "/api/auth/callback?code=pgCode31"}}],
    }
    script = "([p, e]) => JSON.stringify(window.__gate.preview(p, 'beforeSend', e))"
    hardened = preview_page.evaluate(script, [{"mutant": None}, event])
    broken = preview_page.evaluate(script, [{"mutant": "query-tokens-kept"}, event])
    assert "pgCode31" not in hardened
    assert "pgState32" not in hardened
    assert "code=[Filtered]" in hardened
    assert "pgCode31" in broken
