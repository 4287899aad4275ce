"""The store-wide scan: every byte one project received, searched for every planted canary.

For each stored request of a project the scan reads the raw body (as sent, possibly gzip'd), the
decompressed body, every item of its envelope, each JSON item's strings by JSON path, each replay
recording's strings by rrweb node path (``harness.replay``), and attachments as bytes. A hit is
reported once per (request, item, location, canary), at the most precise layer that located it.

A `Finding` names the canary by kind and label; `Finding.location` turns it into a `MaskedLocation`
(kind, length, masked preview). Nothing here ever prints or stores a canary's value.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from harness.envelope import Attachment, EnvelopeError, ReplayRecording, decode_item, parse_envelope
from harness.envelope.jsontree import walk_json
from harness.privacy.canaries import Canary
from harness.privacy.scanner import Hit, Scanner
from harness.replay import replay_strings
from harness.results import MaskedLocation

if TYPE_CHECKING:
    from harness.ingest import IngestClient


@dataclass(frozen=True, slots=True)
class Finding:
    canary: Canary
    request_id: int
    item: str
    """``envelope``, or ``item 2 (event)``."""
    path: str
    """JSON path, rrweb node path, or ``raw body``/``decompressed body``/``attachment <name>``."""
    encoding: str
    category: str = "json"
    """json, raw, decompressed, attachment, or the replay category (text, attribute, input, network, console…)."""

    @property
    def where(self) -> str:
        return f"request {self.request_id} / {self.item} / {self.path}"

    def location(self) -> MaskedLocation:
        return MaskedLocation.of(self.where, f"canary:{self.canary.kind}", self.canary.value, self.encoding)


@dataclass
class StoreScan:
    """What one scan saw: findings, and the counts that make a zero-finding answer meaningful."""

    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    items: dict[str, int] = field(default_factory=dict)
    decoded_bytes: int = 0
    undecodable: list[str] = field(default_factory=list)

    def of(self, canaries: Iterable[Canary]) -> list[Finding]:
        labels = {c.label for c in canaries}
        return [f for f in self.findings if f.canary.label in labels]


def scan_envelope_bytes(scanner: Scanner, request_id: int, raw: bytes, decoded: bytes, out: StoreScan) -> None:
    """Scan one request's bodies and its items into ``out``."""
    out.requests += 1
    out.decoded_bytes += len(decoded)
    seen: set[tuple[str, str]] = set()  # (canary label, item) located precisely: skip their coarse duplicates
    precise: list[Finding] = []
    coarse: list[Finding] = []
    try:
        envelope = parse_envelope(decoded)
    except EnvelopeError as exc:
        out.undecodable.append(f"request {request_id}: {exc}")
        envelope = None
    if envelope is not None:
        for index, item in enumerate(envelope.items):
            name = f"item {index} ({item.type})"
            out.items[item.type] = out.items.get(item.type, 0) + 1
            try:
                view = decode_item(item)
            except EnvelopeError as exc:
                out.undecodable.append(f"request {request_id} {name}: {exc}")
                view = None
            if isinstance(view, ReplayRecording):
                strings = list(replay_strings(view.events))
                for i, hit in locate_in_strings(scanner, [s.text for s in strings]):
                    s = strings[i]
                    precise.append(Finding(hit.canary, request_id, name, s.where, hit.encoding, s.category))
            elif isinstance(view, Attachment):
                for hit in scanner.scan_bytes(view.data):
                    coarse.append(
                        Finding(hit.canary, request_id, name, f"attachment {view.filename}", hit.encoding, "attachment")
                    )
            else:
                try:
                    value = item.json()
                except (EnvelopeError, ValueError):
                    value = None
                if value is not None:
                    pairs = list(walk_json(value))
                    for i, hit in locate_in_strings(scanner, [text for _, text in pairs]):
                        precise.append(Finding(hit.canary, request_id, name, pairs[i][0], hit.encoding, "json"))
                else:
                    for hit in scanner.scan_bytes(item.payload):
                        coarse.append(Finding(hit.canary, request_id, name, "payload", hit.encoding, "raw"))
    for f in precise:
        seen.add((f.canary.label, "any"))
    for hit in scanner.scan_bytes(decoded):
        coarse.append(Finding(hit.canary, request_id, "envelope", "decompressed body", hit.encoding, "decompressed"))
    if raw != decoded:
        for hit in scanner.scan_bytes(raw):
            coarse.append(Finding(hit.canary, request_id, "envelope", "raw body", hit.encoding, "raw"))
    found = _dedupe(precise)
    # Coarse layers only report what no precise layer located (e.g. a form that JSON parsing would hide).
    found += _dedupe([f for f in coarse if (f.canary.label, "any") not in seen])
    out.findings.extend(found)


def locate_in_strings(scanner: Scanner, texts: list[str]) -> list[tuple[int, Hit]]:
    """Hits in many strings with one scan: the strings are joined by NUL (no canary form holds one) and
    each hit is mapped back to the index of the string it lies in."""
    if not texts:
        return []
    encoded = [t.encode("utf-8") for t in texts]
    starts = []
    offset = 0
    for chunk in encoded:
        starts.append(offset)
        offset += len(chunk) + 1
    found = []
    for hit in scanner.scan_bytes(b"\x00".join(encoded)):
        index = bisect.bisect_right(starts, hit.start) - 1
        if hit.end <= starts[index] + len(encoded[index]):
            found.append((index, hit))
    return found


def _dedupe(findings: list[Finding]) -> list[Finding]:
    unique: dict[tuple[str, str, str, str], Finding] = {}
    for f in findings:
        unique.setdefault((f.canary.label, f.item, f.path, f.encoding), f)
    return list(unique.values())


def scan_project(client: IngestClient, project: int, scanner: Scanner) -> StoreScan:
    """Scan every request the ingest stored for ``project`` (flush the ingest before calling)."""
    out = StoreScan()
    for request in client.requests(project):
        request_id = request.id
        raw = client.request_body(request_id, decoded=False)
        decoded = client.request_body(request_id, decoded=True)
        scan_envelope_bytes(scanner, request_id, raw, decoded, out)
    return out
