"""Replay privacy checks in Chromium against the bundled Express + Vue target.

One target, one Chromium; one tab per variant (``hardened``, ``seed`` and the client's replay mutants
named in the settings' ``self_test.replay_variants``; default ``hardened``). Each tab gets the injected
config patched by an init script (the variant or mutant, replay session sampling at 1.0), types
canaries into the login form, reaches the profile (which renders the fake Spotify's canary name and
email), visits the media page (``.sentry-block``, ``.sentry-mask``), waits until the replay is older
than the SDK's 5 s minimum, and flushes. Every segment of the tab's replay is decoded and checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.common.browser import chromium, require_chromium
from harness.common.prerequisites import unavailable
from harness.privacy import CanaryFactory, Scanner
from harness.privacy import replay_checks as rc
from harness.privacy.canaries import Canary
from harness.privacy.store_scan import scan_project
from harness.production.replay_journey import JourneyTab, record_replays, replay_events
from harness.recorder import CheckRecorder
from harness.results import MaskedLocation
from harness.settings import Settings
from harness.targets.fixtures import TargetFactory
from harness.targets.target import Target

from .test_privacy_server import dump_canaries

# What this suite needs from a target file (skipped, naming what is missing, on a file without it).
pytestmark = pytest.mark.needs("bundled", "gate_routes.page_hook", "services.fake-spotify")


def _variants() -> list[str]:
    return list(Settings.from_environ().self_test.replay_variants or ("hardened",))


@dataclass
class Recorded:
    variant: str
    events: list[dict[str, Any]]
    canaries: rc.ReplayCanaries
    hits: list[rc.ReplayHit]
    store: list[MaskedLocation]
    store_fragment: list[MaskedLocation]
    scanned_requests: int = 0


def _config(variant: str) -> dict[str, Any]:
    config: dict[str, Any] = {"overrides": {"replaysSessionSampleRate": 1.0}}
    if variant == "seed":
        config["variant"] = "seed"
    elif variant != "hardened":
        config["mutant"] = variant
    return config


@pytest.fixture(scope="module")
def recorded(target_factory: TargetFactory) -> dict[str, Recorded]:
    require_chromium()
    target: Target = target_factory("express-vue")
    assert target.browser_project is not None
    assert target.spotify is not None
    factory = CanaryFactory()
    name, shown_email = factory.make("name"), factory.make("email")
    target.spotify.set_user(display_name=name.value, email=shown_email.value)
    typed = {v: (factory.make("email"), factory.make("password"), factory.make("card")) for v in _variants()}
    # held by the browser only: a URL fragment (an OAuth implicit-flow token), a cookie, a localStorage entry
    held = {v: (factory.make("token"), factory.make("token"), factory.make("token")) for v in _variants()}
    tabs = {
        variant: JourneyTab(
            url=f"{target.url}/login#access_token={held[variant][0].value}",
            config=_config(variant),
            email=typed[variant][0].value,
            password=typed[variant][1].value,
            card=typed[variant][2].value,
            init_script=(
                f"document.cookie = 'gate_pref={held[variant][1].value}; path=/';"
                f" localStorage.setItem('gate_note', {json.dumps(held[variant][2].value)});"
            ),
        )
        for variant in _variants()
    }
    out: dict[str, Recorded] = {}
    with chromium() as browser:
        replays = record_replays(browser, tabs)
    assert all(r.flushed for r in replays.values()), replays
    project = target.browser_project
    for variant, tab in replays.items():
        replay_id, bearer = tab.replay_id, tab.bearer
        assert replay_id, variant
        project.wait_for_items("replay_recording", count=1, timeout=10)
        events = replay_events(project, replay_id)
        session = [Canary("bearer", bearer, f"bearer#session-{variant}")] if bearer else []
        fragment, cookie, stored = held[variant]
        canaries = rc.ReplayCanaries(
            typed=typed[variant], rendered=(name, shown_email), session=[*session, cookie, stored], fragment=[fragment]
        )
        dump_canaries(canaries.all)
        hits = rc.scan_replay(events, Scanner(canaries.all), where=f"replay {replay_id[:8]}")
        out[variant] = Recorded(variant, events, canaries, hits, [], [])
    # The store-wide scan of the browser project: every request, every item, every layer.
    every = [c for r in out.values() for c in r.canaries.unique]
    scan = scan_project(project.client, project.id, Scanner(every))
    # A value two pages share (the bearer token the fake Spotify derives from the same login) tells no page
    # from another: the per-replay checks cover it; the store check keeps the values that are one page's.
    shared = {v for v in {c.value for c in every} if sum(c.value == v for c in every) > 1}
    for r in out.values():
        fragment_labels = {c.label for c in r.canaries.fragment}
        own = {c.label for c in r.canaries.unique if c.value not in shared} - fragment_labels
        r.store = [f.location() for f in scan.findings if f.canary.label in own]
        r.store_fragment = [f.location() for f in scan.findings if f.canary.label in fragment_labels]
        r.scanned_requests = scan.requests
    return out


@pytest.fixture(params=_variants())
def replay(request: pytest.FixtureRequest, recorded: dict[str, Recorded]) -> Recorded:
    return recorded[request.param]


def test_privacy_replay_input_masking(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.input_masking(replay.events, replay.hits, replay.canaries))


def test_privacy_replay_text_masking(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.text_masking(replay.events, replay.hits, replay.canaries))


def test_privacy_replay_block_selector(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.block_selector(replay.events))


def test_privacy_replay_network_headers(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.network_headers(replay.events, replay.hits))


def test_privacy_replay_network_bodies(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.network_bodies(replay.events, replay.hits))


def test_privacy_replay_url_fragments(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.url_fragments(replay.hits, replay.canaries, replay.store_fragment))


def test_privacy_browser_store(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.browser_store(replay.store, replay.canaries, replay.scanned_requests))


@pytest.fixture(scope="module")
def pictures(
    recorded: dict[str, Recorded], tmp_path_factory: pytest.TempPathFactory, gate_settings: Settings
) -> dict[str, Path]:
    """What a Sentry user would see of the login form: rrweb's player draws each redacted replay (every
    canary replaced by its ``⟦label⟧``) at the last keystroke, in one Chromium. Saved as ``<variant>.png``
    with a sidecar ``<variant>.json`` naming the labels seen in input values (labels only, never values)."""
    from harness.replay import input_values
    from harness.replay.render import last_input_offset, player_missing, redacted, render_png

    missing = player_missing()
    if missing:
        unavailable(missing)
    out_dir = gate_settings.self_test.replay_png_dir or tmp_path_factory.mktemp("replay-png")
    out: dict[str, Path] = {}
    with chromium() as browser:
        for variant, replay in recorded.items():
            events = redacted(replay.events, [(c.value, c.label) for c in replay.canaries.all])
            assert Scanner(replay.canaries.all).scan_text(json.dumps(events, ensure_ascii=False)) == []
            labels = sorted({m for v in input_values(events) for m in re.findall(r"⟦([^⟧]+)⟧", v.text)})
            png = render_png(browser, events, out_dir / f"{variant}.png", at_ms=last_input_offset(events))
            (out_dir / f"{variant}.json").write_text(json.dumps({"png": png.name, "input labels": labels}))
            out[variant] = png
    return out


def test_privacy_replay_picture(replay: Recorded, pictures: dict[str, Path]) -> None:
    png = pictures[replay.variant]
    assert png.stat().st_size > 1000
    print(f"replay picture {png}")


def test_privacy_replay_canaries(replay: Recorded, gate_check: CheckRecorder) -> None:
    gate_check(rc.all_canaries(replay.hits, replay.canaries, len(replay.events)))
