"""Offline privacy audit of an export of captured envelopes (``GET /export?format=envelopes``, a tar of
raw request bodies), for auditors who get the capture but not the running gate.

    sentry-gate audit EXPORT.tar [--canaries canaries.jsonl] [--json findings.json]   (harness.cli.audit_cmd)

Every body is decompressed (gzip or zlib, by its magic bytes) and scanned: for the canaries given (JSON
lines ``{"kind", "value", "label"}``) in every encoding the scanner knows, and with Relay's default
data-scrubbing rules and the gate's extra detectors over every event-like item. The output is a findings
table (severity, check, location, rule, masked preview) and, with ``--json``, the same as `CheckResult`
dicts. Neither ever holds a value: only kinds, lengths and masked previews.
"""

from __future__ import annotations

import gzip
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from harness.envelope import EnvelopeError, parse_envelope
from harness.privacy.canaries import Canary
from harness.privacy.checks import locations_result
from harness.privacy.scanner import Scanner
from harness.privacy.store_scan import StoreScan, scan_envelope_bytes
from harness.results import CheckResult, MaskedLocation, Verdict

MAX_BODY = 200 * 1024 * 1024
SEVERITY = {Verdict.FAIL: "high", Verdict.INCONCLUSIVE: "check", Verdict.PASS: "-", Verdict.SKIPPED: "-"}


def _decoded(body: bytes) -> bytes:
    if body[:2] == b"\x1f\x8b":
        return gzip.decompress(body)
    if body[:1] == b"\x78":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return body
    return body


def bodies(export: Path) -> Iterator[tuple[int, bytes, bytes]]:
    """(request id, raw body, decoded body) for every member of an envelopes export."""
    with tarfile.open(export) as tar:
        for member in tar:
            if not member.isfile() or member.size > MAX_BODY:
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            raw = handle.read()
            request_id = int(member.name.split("-", 1)[0]) if member.name[:1].isdigit() else 0
            yield request_id, raw, _decoded(raw)


def audit(export: Path, canaries: list[Canary]) -> list[CheckResult]:
    from harness.privacy import relay_rules

    scanner = Scanner(canaries)
    scan = StoreScan()
    relay: list[MaskedLocation] = []
    checked = 0
    for request_id, raw, decoded in bodies(export):
        scan_envelope_bytes(scanner, request_id, raw, decoded, scan)
        try:
            items = parse_envelope(decoded).items
        except EnvelopeError:
            continue
        for item in items:
            if item.type in relay_rules.EVENT_LIKE:
                try:
                    payload = item.json()
                except EnvelopeError:
                    continue
                checked += 1
                where = f"request {request_id} / {item.type}"
                relay += relay_rules.relay_findings(payload, where) + relay_rules.extra_detectors(payload, where)
    canary_locations = [f.location() for f in scan.findings]
    no_canaries = "no canaries were given" if not canaries else None
    return [
        locations_result(
            "privacy.audit.canaries", f"{scan.requests} requests", canary_locations, scan.requests, control=no_canaries
        ),
        locations_result("privacy.audit.relay-rules", f"{checked} event-like payloads", relay, checked),
    ]


def table(results: list[CheckResult]) -> str:
    rows = [("severity", "check", "location", "rule", "masked preview")]
    for result in results:
        rows.append((SEVERITY[result.verdict], result.check_id, result.summary, "", ""))
        for loc in result.locations:
            rows.append((SEVERITY[result.verdict], result.check_id, loc.where, loc.rule, loc.preview))
    widths = [min(60, max(len(r[i]) for r in rows)) for i in range(5)]
    return "\n".join("  ".join(cell[:60].ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows)
