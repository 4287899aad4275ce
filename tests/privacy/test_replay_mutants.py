"""Self-tests of ``harness/suites/privacy/test_privacy_replay.py`` in Chromium: the hardened page passes every replay
check (with its positive controls, so no INCONCLUSIVE); each replay mutant of ``targets/MUTANTS.md`` fails
the check listed for it, naming the check id and the count of findings. Also: nothing the gate wrote in
that run (its output, its results file) holds any planted canary, in any encoding the scanner knows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.common.browser import chromium_missing
from harness.common.prerequisites import unavailable
from harness.ingest import IngestClient
from harness.privacy import Scanner
from harness.privacy.canaries import Canary
from harness.settings import SelfTestSettings, Settings
from harness.targets import unavailable_reason
from tests.support.settings import use_settings

pytestmark = [pytest.mark.browser, pytest.mark.node, pytest.mark.slow]

SUITE = Path(__file__).resolve().parents[2] / "harness" / "suites" / "privacy" / "test_privacy_replay.py"
CHECKS = {
    "privacy.replay.input-masking": "test_privacy_replay_input_masking",
    "privacy.replay.text-masking": "test_privacy_replay_text_masking",
    "privacy.replay.block-selector": "test_privacy_replay_block_selector",
    "privacy.replay.network-headers": "test_privacy_replay_network_headers",
    "privacy.replay.network-bodies": "test_privacy_replay_network_bodies",
    "privacy.replay.canaries": "test_privacy_replay_canaries",
    "privacy.replay.url-fragments": "test_privacy_replay_url_fragments",
    "privacy.browser.store": "test_privacy_browser_store",
}
# mutant → the checks it fails: its own (targets/MUTANTS.md), and the every-canary checks (the replay's, the
# browser project's store-wide scan) where a canary leaks
LEAKS = {"privacy.replay.canaries", "privacy.browser.store"}
MUTANTS = {
    "replay-inputs-unmasked": {"privacy.replay.input-masking", *LEAKS},
    "replay-text-unmasked": {"privacy.replay.text-masking", *LEAKS},
    "replay-block-ignored": {"privacy.replay.block-selector"},
    "replay-network-authorization": {"privacy.replay.network-headers", *LEAKS},
    "replay-network-bodies": {"privacy.replay.network-bodies", *LEAKS},
    "url-fragment-kept": {"privacy.replay.url-fragments"},
}
# Real findings of the hardened page in every variant (docs/privacy.md); empty since the page strips
# URL fragments (strip-fragment.js, and replay's beforeAddRecordingEvent for the navigation timing entry).
KNOWN: set[str] = set()
SECTION = re.compile(r"^_{3,} (test_\w+)\[([a-z-]+)\] _{3,}$")


@pytest.fixture(autouse=True)
def _needs_the_bundled_target_and_chromium() -> None:
    missing = unavailable_reason("express-vue") or chromium_missing()
    if missing:
        unavailable(missing)


def test_hardened_replay_passes_and_each_replay_mutant_fails_its_check(
    pytester: pytest.Pytester, sentry_ingest: IngestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    variants = ["hardened", *MUTANTS]
    dump, results, pictures = pytester.path / "canaries.jsonl", pytester.path / "results.jsonl", pytester.path / "png"
    self_test = SelfTestSettings(replay_png_dir=pictures, replay_variants=tuple(variants), canary_dump=dump)
    use_settings(monkeypatch, Settings(self_test=self_test))
    args = [str(SUITE), "-p", "no:cacheprovider", "--gate-ingest-url", sentry_ingest.url, "-o", "addopts=", "-rfs"]
    result = pytester.runpytest_subprocess(*args, "--gate-results", str(results), "-s", timeout=300)
    output = result.stdout.str()
    test_to_check = {test: check for check, test in CHECKS.items()}
    failed: dict[tuple[str, str], str] = {}
    lines = output.splitlines()
    for i, line in enumerate(lines):
        match = SECTION.match(line)
        if match:
            test, variant = match.groups()
            message = next(m for m in lines[i + 1 :] if m.strip())
            check_id, _, summary = message.partition(": ")
            assert check_id == test_to_check[test], message  # the failure names its check id
            assert re.match(r"\d+ finding\(s\) in ", summary), summary  # and the measured count
            failed[(variant, check_id)] = summary
    expected = {(mutant, check) for mutant, checks in MUTANTS.items() for check in checks}
    expected |= {(variant, check) for variant in variants for check in KNOWN}
    assert set(failed) == expected, output[-6000:]
    outcomes = result.parseoutcomes()
    pictures_taken = len(variants)  # test_privacy_replay_picture, one per variant
    assert outcomes.get("passed", 0) == len(variants) * len(CHECKS) - len(expected) + pictures_taken, output[-4000:]
    assert "skipped" not in outcomes, output[-4000:]  # no INCONCLUSIVE: every control held

    canaries = [Canary(**json.loads(line)) for line in dump.read_text().splitlines()]
    planted = len(canaries)  # per tab: 3 typed, 2 rendered, bearer token, cookie, localStorage, URL fragment
    assert planted == 9 * len(variants)
    # The pictures: the hardened login form shows masked inputs only; the inputs-unmasked one shows the typed
    # email's label where its value was (read from the redacted events the player drew).
    sidecars = {v: json.loads((pictures / f"{v}.json").read_text()) for v in variants}
    assert all((pictures / f"{v}.png").stat().st_size > 1000 for v in variants)
    assert sidecars["hardened"]["input labels"] == []
    assert [label.split("#")[0] for label in sidecars["replay-inputs-unmasked"]["input labels"]] == ["email"]
    written = output + result.stderr.str() + results.read_text()
    written += "".join((pictures / f"{v}.json").read_text() for v in variants)
    assert len(results.read_text().splitlines()) == len(variants) * len(CHECKS)
    hits = Scanner(canaries).scan_text(written.encode("utf-8").decode("latin-1"))
    assert hits == [], sorted({(h.label, h.encoding) for h in hits})


def test_every_replay_mutant_of_the_catalogue_is_covered() -> None:
    catalogue = (Path(__file__).resolve().parents[2] / "targets" / "MUTANTS.md").read_text()
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in catalogue.splitlines() if "| privacy |" in line]
    assert {r[0] for r in rows if r[5] == "yes" and r[3] == "-"} == set(MUTANTS)
