"""Throughput of the privacy scanner over captured-payload bytes, with 1,000 canaries, on one core.

    .venv/bin/python benchmarks/privacy_scan.py [--mb 128] [--canaries 1000] [--e2e-mb 16] [--detect-secrets-mb 4]
                                                [--json out.json]

The corpus imitates what the ingest stores once decoded (bodies decompressed, replays decompressed):
envelopes of error events and transactions with request data, breadcrumbs and spans, and replay
recordings of rrweb DOM snapshots and mutations, with a few canaries planted so the matching stage
also reports hits. Three figures:

- matching: `Scanner.scan_bytes` over the decoded bytes (the issue's acceptance: ≥ 100 MB/s);
- end to end: `scan_envelope_bytes` (envelope parsing, JSON walking, rrweb decoding, per-string
  matching, the coarse body pass) plus Relay's `pii_strip_event` and the gate's extra detectors over
  every event-like item, on a slice of the corpus;
- detect-secrets (if installed), ``scan_line`` over the same bytes' lines with its default plugins,
  on a slice, as a reference for a pattern-based scanner.

MB is 10^6 bytes. The process is pinned to one CPU where the OS allows it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import sys
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.envelope import Envelope, make_item, serialize_envelope  # noqa: E402
from harness.privacy import KINDS, CanaryFactory, Scanner  # noqa: E402
from harness.privacy.store_scan import StoreScan, scan_envelope_bytes  # noqa: E402

WORDS = [
    "".join(random.Random(i).choices(string.ascii_lowercase, k=random.Random(i).randint(3, 10))) for i in range(2000)
]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _event(rng: random.Random, planted: str | None) -> dict[str, Any]:
    return {
        "event_id": f"{rng.getrandbits(128):032x}",
        "level": "error",
        "platform": "node",
        "exception": {"values": [{"type": "Error", "value": _text(rng, 8), "stacktrace": {"frames": [
            {"filename": f"/app/src/{rng.choice(WORDS)}.js", "function": rng.choice(WORDS),
             "lineno": rng.randint(1, 900), "colno": rng.randint(1, 80), "context_line": _text(rng, 10),
             "pre_context": [_text(rng, 8)] * 3}
            for _ in range(12)]}}]},
        "request": {"url": f"http://127.0.0.1:3000/api/{rng.choice(WORDS)}?q=[Filtered]", "method": "GET",
                    "headers": {"user-agent": "Mozilla/5.0 " + _text(rng, 4), "accept": "application/json",
                                "x-note": planted or _text(rng, 2)}},
        "breadcrumbs": [{"category": "http", "message": _text(rng, 6), "data": {"url": f"/api/{rng.choice(WORDS)}"}}
                        for _ in range(20)],
        "tags": {"gate.marker": rng.choice(WORDS)}, "contexts": {"os": {"name": "Linux"}, "runtime": {"name": "node"}},
    }  # fmt: skip


def _transaction(rng: random.Random) -> dict[str, Any]:
    return {
        "type": "transaction", "transaction": f"GET /api/{rng.choice(WORDS)}", "start_timestamp": 1.0, "timestamp": 2.0,
        "spans": [{"op": "http.client", "description": f"GET http://127.0.0.1/v1/{rng.choice(WORDS)}",
                   "span_id": f"{rng.getrandbits(64):016x}", "data": {"url": "/v1/" + rng.choice(WORDS)}}
                  for _ in range(30)],
        "contexts": {"trace": {"trace_id": f"{rng.getrandbits(128):032x}", "span_id": f"{rng.getrandbits(64):016x}"}},
    }  # fmt: skip


def _rrweb(rng: random.Random, planted: str | None) -> list[dict[str, Any]]:
    next_id = iter(range(1, 10**9))

    def node(depth: int) -> dict[str, Any]:
        if depth == 0:
            return {"type": 3, "id": next(next_id), "textContent": "*" * rng.randint(3, 30)}
        children = [node(depth - 1) for _ in range(3)]
        tag = rng.choice(["div", "p", "span", "li"])
        return {
            "type": 2,
            "id": next(next_id),
            "tagName": tag,
            "attributes": {"class": rng.choice(WORDS)},
            "childNodes": children,
        }

    events: list[dict[str, Any]] = [
        {"type": 2, "timestamp": 1, "data": {"node": {"type": 0, "id": 0, "childNodes": [node(5)]}}}
    ]
    for _ in range(40):
        events.append({"type": 3, "timestamp": 2, "data": {"source": 0, "texts": [], "attributes": [], "removes": [],
                       "adds": [{"parentId": 1, "nextId": None, "node": node(2)}]}})  # fmt: skip
    events.append({"type": 3, "timestamp": 3, "data": {"source": 5, "id": 7, "text": planted or "*****"}})
    return events


def corpus(mb: float, canaries: list[Any], seed: int = 7) -> tuple[list[bytes], int]:
    """Decoded envelopes totalling about ``mb`` MB; every 50th carries a canary. Returns (bodies, planted)."""
    rng = random.Random(seed)
    bodies: list[bytes] = []
    total = planted = 0
    while total < mb * 1e6:
        secret = canaries[planted % len(canaries)].value if len(bodies) % 50 == 0 else None
        planted += secret is not None
        recording = b'{"segment_id":0}\n' + json.dumps(_rrweb(rng, secret)).encode()
        envelope = Envelope(headers={"event_id": f"{rng.getrandbits(128):032x}"}, items=[
            make_item("event", json.dumps(_event(rng, secret)).encode()),
            make_item("transaction", json.dumps(_transaction(rng)).encode()),
            make_item("replay_recording", recording),
        ])  # fmt: skip
        body = serialize_envelope(envelope)
        bodies.append(body)
        total += len(body)
    return bodies, planted


def _pin() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=128.0, help="corpus size for the matching stage (MB)")
    parser.add_argument("--canaries", type=int, default=1000)
    parser.add_argument("--e2e-mb", type=float, default=16.0, help="slice for the end-to-end figure (MB)")
    parser.add_argument("--detect-secrets-mb", type=float, default=4.0, help="slice for detect-secrets (MB)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    pinned = _pin()

    factory = CanaryFactory()
    canaries = [factory.make(KINDS[i % len(KINDS)]) for i in range(args.canaries)]
    started = time.perf_counter()
    scanner = Scanner(canaries)
    build_s = time.perf_counter() - started
    bodies, planted = corpus(args.mb, canaries)
    total = sum(len(b) for b in bodies)

    started = time.perf_counter()
    hits = sum(len(scanner.scan_bytes(b)) for b in bodies)
    match_s = time.perf_counter() - started
    figures: dict[str, Any] = {
        "canaries": len(canaries),
        "patterns": scanner.pattern_count,
        "backend": scanner.backend,
        "automaton_build_s": round(build_s, 3),
        "corpus_mb": round(total / 1e6, 1),
        "planted": planted,
        "matching_hits": hits,
        "matching_mb_s": round(total / 1e6 / match_s, 1),
        "cpu": pinned,
    }

    e2e = _slice(bodies, args.e2e_mb)
    from harness.privacy import relay_rules

    try:
        relay_rules.default_config()
        relay = True
    except ImportError:
        relay = False
    started = time.perf_counter()
    out = StoreScan()
    for i, body in enumerate(e2e):
        scan_envelope_bytes(scanner, i, body, zlib.decompress(zlib.compress(body, 1)), out)
    scan_s = time.perf_counter() - started
    started = time.perf_counter()
    relay_locations = 0
    if relay:
        from harness.envelope import parse_envelope

        for i, body in enumerate(e2e):
            for item in parse_envelope(body).items:
                if item.type in relay_rules.EVENT_LIKE:
                    payload = item.json()
                    relay_locations += len(relay_rules.relay_findings(payload, f"request {i}"))
                    relay_locations += len(relay_rules.extra_detectors(payload, f"request {i}"))
    relay_s = time.perf_counter() - started
    e2e_mb = sum(len(b) for b in e2e) / 1e6
    figures |= {
        "e2e_mb": round(e2e_mb, 1),
        "e2e_findings": len(out.findings),
        "e2e_scan_mb_s": round(e2e_mb / scan_s, 1),
        "e2e_with_relay_mb_s": round(e2e_mb / (scan_s + relay_s), 1) if relay else None,
        "relay_locations": relay_locations if relay else None,
    }

    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import default_settings
    except ImportError:
        figures["detect_secrets_mb_s"] = None
    else:
        ds = _slice(bodies, args.detect_secrets_mb)
        lines = [line for body in ds for line in body.decode("utf-8", "replace").split("\n")]
        started = time.perf_counter()
        found = 0
        with default_settings():
            for line in lines:
                found += sum(1 for _ in scan_line(line))
        ds_s = time.perf_counter() - started
        ds_mb = sum(len(b) for b in ds) / 1e6
        figures |= {"detect_secrets_mb": round(ds_mb, 1), "detect_secrets_mb_s": round(ds_mb / ds_s, 2),
                    "detect_secrets_findings": found}  # fmt: skip

    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


def _slice(bodies: list[bytes], mb: float) -> list[bytes]:
    out, total = [], 0
    for body in bodies:
        if total >= mb * 1e6:
            break
        out.append(body)
        total += len(body)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
