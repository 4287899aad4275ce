"""Offline privacy audit of an export of captured envelopes (``GET /export?format=envelopes``, a tar of
raw request bodies), for auditors who get the capture but not the running gate.

    python -m harness.privacy.audit EXPORT.tar [--canaries canaries.jsonl] [--json findings.json]

Every body is decompressed (gzip or zlib, by its magic bytes) and scanned: for the canaries given (JSON
lines ``{"kind", "value", "label"}``) in every encoding the scanner knows, and with Relay's default
data-scrubbing rules and the gate's extra detectors over every event-like item. The output is a findings
table (severity, check, location, rule, masked preview) and, with ``--json``, the same as `CheckResult`
dicts. Neither ever holds a value: only kinds, lengths and masked previews.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("export", type=Path, help="a tar from the ingest's /export?format=envelopes")
    parser.add_argument("--canaries", type=Path, help="JSON lines of {kind, value, label}")
    parser.add_argument("--json", type=Path, help="write the findings as CheckResult dicts")


def run(args: argparse.Namespace) -> int:
    """Print the findings table (and write the JSON export); exit 1 with any finding, else 0."""
    canaries = []
    if args.canaries:
        canaries = [Canary(**json.loads(line)) for line in args.canaries.read_text().splitlines() if line.strip()]
    results = audit(args.export, canaries)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
    return 1 if any(r.verdict is Verdict.FAIL for r in results) else 0


def register(sub: Any) -> None:
    """``sentry-gate audit EXPORT`` (for ``harness.cli.build_parser``)."""
    parser = sub.add_parser("audit", help="scan an export of captured envelopes for canaries and PII offline")
    _arguments(parser)
    parser.set_defaults(handler=run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sentry-gate audit", description=(__doc__ or "").split("\n\n")[0])
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
