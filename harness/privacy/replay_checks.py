"""Replay privacy checks over decoded rrweb events (every segment of one replay, in order).

Pure functions: the suite drives Chromium and hands over the events, the canaries by role (typed into
inputs, rendered by the page, the session's bearer token) and gets `CheckResult`s back. Each check has
its positive control, without which a clean recording is INCONCLUSIVE: masked inputs exist in the
recording; the profile's text nodes and the ``.sentry-mask`` element were recorded; a ``.sentry-block``
element was recorded; network spans of the app's API calls were recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.privacy.canaries import Canary
from harness.privacy.scanner import Scanner
from harness.redact import SENSITIVE_HEADERS
from harness.replay import blocked_elements, input_values, masked_texts, network_details, replay_strings
from harness.results import CheckResult, MaskedLocation, Verdict

MASKED = re.compile(r"^[*\s]*$")
# URLs whose details must never be recorded (the hardened target's networkDetailDenyUrls)
DENIED_DETAIL_URLS = re.compile(r"/api/(spotify|login|auth)\b")


@dataclass(frozen=True, slots=True)
class ReplayCanaries:
    typed: Sequence[Canary]
    """Typed by Playwright into the login form."""
    rendered: Sequence[Canary]
    """Shown by the page as text (the fake Spotify's profile)."""
    session: Sequence[Canary]
    """Held by the page: the Spotify bearer token it sends in API calls, a cookie, a localStorage entry."""
    fragment: Sequence[Canary] = ()
    """In the page's URL fragment (where an OAuth implicit flow puts its access token)."""

    @property
    def all(self) -> list[Canary]:
        return [*self.typed, *self.rendered, *self.session, *self.fragment]

    @property
    def unique(self) -> list[Canary]:
        """The canaries of this page alone (the rendered ones are shared by every page of the target)."""
        return [*self.typed, *self.session, *self.fragment]


@dataclass(frozen=True, slots=True)
class ReplayHit:
    canary: Canary
    where: str
    category: str
    encoding: str

    def location(self) -> MaskedLocation:
        return MaskedLocation.of(self.where, f"canary:{self.canary.kind}", self.canary.value, self.encoding)


def scan_replay(events: list[dict[str, Any]], scanner: Scanner, where: str = "replay") -> list[ReplayHit]:
    hits = []
    for s in replay_strings(events):
        for hit in scanner.scan_text(s.text.encode("utf-8").decode("latin-1")):
            hits.append(ReplayHit(hit.canary, f"{where} / {s.where}", s.category, hit.encoding))
    return hits


def _result(
    check_id: str,
    what: str,
    *,
    locations: list[MaskedLocation],
    control_ok: bool,
    control: str,
    evidence: dict[str, Any],
) -> CheckResult:
    evidence = {**evidence, "findings": len(locations), "control": control}
    if locations:
        return CheckResult(
            check_id,
            Verdict.FAIL,
            f"{len(locations)} finding(s) in {what}; first at {locations[0].where} ({locations[0].rule})",
            evidence,
            tuple(locations[:50]),
        )
    if not control_ok:
        return CheckResult(check_id, Verdict.INCONCLUSIVE, f"0 findings in {what}, but {control}", evidence)
    return CheckResult(check_id, Verdict.PASS, f"0 findings in {what}; {control}", evidence)


def input_masking(events: list[dict[str, Any]], hits: list[ReplayHit], canaries: ReplayCanaries) -> CheckResult:
    typed = {c.label for c in canaries.typed}
    values = input_values(events)
    masked = [v for v in values if v.text and MASKED.match(v.text)]
    locations = [h.location() for h in hits if h.canary.label in typed and h.category == "input"]
    locations += [MaskedLocation.of(v.where, "unmasked-input", v.text) for v in values if not MASKED.match(v.text)]
    control = f"{len(masked)} masked input value(s) recorded"
    evidence = {"input values": len(values), "masked": len(masked), "typed canaries": len(typed)}
    return _result(
        "privacy.replay.input-masking",
        "replay input values",
        locations=locations,
        control_ok=bool(masked),
        control=control,
        evidence=evidence,
    )


def text_masking(events: list[dict[str, Any]], hits: list[ReplayHit], canaries: ReplayCanaries) -> CheckResult:
    shown = {c.label for c in [*canaries.rendered, *canaries.typed]}
    locations = [h.location() for h in hits if h.canary.label in shown and h.category in {"text", "attribute"}]
    mask_texts = masked_texts(events)
    locations += [
        MaskedLocation.of(t.where, "sentry-mask-unmasked", t.text) for t in mask_texts if not MASKED.match(t.text)
    ]
    profile = [s for s in replay_strings(events) if s.category == "text" and "#spotify-name" in s.where]
    ok = bool(mask_texts) and bool(profile)
    control = f"{len(profile)} profile text node(s) and {len(mask_texts)} .sentry-mask text node(s) recorded"
    evidence = {"profile text nodes": len(profile), "sentry-mask text nodes": len(mask_texts)}
    return _result(
        "privacy.replay.text-masking",
        "replay text",
        locations=locations,
        control_ok=ok,
        control=control,
        evidence=evidence,
    )


def block_selector(events: list[dict[str, Any]]) -> CheckResult:
    blocked = blocked_elements(events)
    locations = [
        MaskedLocation(where=where, rule="sentry-block-recorded", length=n, preview=f"⟨{n} descendant node(s)⟩")
        for where, n in blocked
        if n > 0
    ]
    control = f"{len(blocked)} .sentry-block element(s) recorded"
    return _result(
        "privacy.replay.block-selector",
        ".sentry-block elements",
        locations=locations,
        control_ok=bool(blocked),
        control=control,
        evidence={"blocked": len(blocked)},
    )


def _api_spans(events: list[dict[str, Any]]) -> list[Any]:
    return [d for d in network_details(events) if "/api/" in d.url]


def network_headers(events: list[dict[str, Any]], hits: list[ReplayHit]) -> CheckResult:
    """Sensitive headers recorded for any URL, and any canary inside recorded headers."""
    details = network_details(events)
    locations = []
    for d in details:
        for name in SENSITIVE_HEADERS:
            for side, headers in (("request", d.request_headers), ("response", d.response_headers)):
                if name in headers:
                    locations.append(
                        MaskedLocation.of(f"{d.where} {side} header {name}", "network-header", headers[name])
                    )
    locations += [h.location() for h in hits if h.category == "network" and ".headers" in h.where]
    api = _api_spans(events)
    control = f"{len(api)} network span(s) of API calls recorded"
    evidence = {"network spans": len(details), "api spans": len(api)}
    return _result(
        "privacy.replay.network-headers",
        "replay network headers",
        locations=locations,
        control_ok=bool(api),
        control=control,
        evidence=evidence,
    )


def network_bodies(events: list[dict[str, Any]], hits: list[ReplayHit]) -> CheckResult:
    """Bodies recorded for a denied URL, and any canary inside a recorded body."""
    details = network_details(events)
    locations = [
        MaskedLocation(where=f"{d.where} {d.url}", rule="body-of-denied-url", length=0, preview="⟨body recorded⟩")
        for d in details
        if d.has_body and DENIED_DETAIL_URLS.search(d.url)
    ]
    locations += [h.location() for h in hits if h.category == "network" and ".body" in h.where]
    api = _api_spans(events)
    control = f"{len(api)} network span(s) of API calls recorded"
    evidence = {"network spans": len(details), "with body": sum(d.has_body for d in details)}
    return _result(
        "privacy.replay.network-bodies",
        "replay network bodies",
        locations=locations,
        control_ok=bool(api),
        control=control,
        evidence=evidence,
    )


def url_fragments(hits: list[ReplayHit], canaries: ReplayCanaries, store: Sequence[MaskedLocation]) -> CheckResult:
    """A token in the URL fragment must not travel: neither in the replay (meta ``href``, navigation
    breadcrumbs and spans) nor in any other item of the browser's project (``store``, already filtered)."""
    fragment = {c.label for c in canaries.fragment}
    locations = [h.location() for h in hits if h.canary.label in fragment] + list(store)
    control = f"{len(fragment)} fragment canary(ies) in the page URL"
    return _result(
        "privacy.replay.url-fragments",
        "replay and browser events (URL fragment)",
        locations=locations,
        control_ok=bool(fragment),
        control=control,
        evidence={"fragment canaries": len(fragment)},
    )


def browser_store(store: Sequence[MaskedLocation], canaries: ReplayCanaries, scanned_requests: int) -> CheckResult:
    """The store-wide scan of the browser's project (events, transactions, replay events and recordings)
    for this page's own canaries, except the fragment's (its own check)."""
    control = f"{scanned_requests} request(s) of the browser project scanned"
    return _result(
        "privacy.browser.store",
        f"the browser project ({len(canaries.typed) + len(canaries.session)} canaries of this page)",
        locations=list(store),
        control_ok=scanned_requests > 0,
        control=control,
        evidence={"requests": scanned_requests},
    )


def all_canaries(hits: list[ReplayHit], canaries: ReplayCanaries, recorded_events: int) -> CheckResult:
    """Every canary of the page anywhere in its replay, except the fragment's (``url_fragments``)."""
    fragment = {c.label for c in canaries.fragment}
    locations = [h.location() for h in hits if h.canary.label not in fragment]
    control = f"{recorded_events} rrweb events recorded"
    return _result(
        "privacy.replay.canaries",
        f"the replay ({len(canaries.all)} canaries)",
        locations=locations,
        control_ok=recorded_events > 0,
        control=control,
        evidence={"canaries": len(canaries.all)},
    )
