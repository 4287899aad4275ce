"""The benchmark payload: the exact ~2 KB Sentry error envelope of ``../shared/bench/ingest_peers``.

A copy of that bench's ``build_event``/``build_envelope``/``encode`` (same fields, same order, same
compact JSON, gzip level 6 with ``mtime=0``), so our own benchmark and the side-by-side run post
byte-identical bodies: 2,166 B plain, 856 B gzip. ``check_against_peers_bench`` compares the two
byte for byte when the shared folder is present, so a drift between the copies shows up at once.

Pure functions, stdlib only: imported by the orchestrator and by the load generator.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
import uuid
from pathlib import Path
from typing import Any

ENVELOPE_PATH = "/api/1/envelope/?sentry_key=abc&sentry_version=7"
"""The URL path the peers bench posts to; our ingest serves it with ``--project 1:abc``."""
PROJECT_ID = 1
PROJECT_KEY = "abc"
BENCH_EVENT_ID = "0c2f9c2b5d6e4f7a8b9c0d1e2f3a4b5c"
"""The peers bench sends this one envelope (same event_id) on every request; no server dedupes."""
PEERS_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "ingest_peers" / "bench_ingest.py"


def build_event(event_id: str, message: str) -> dict[str, Any]:
    ts = "2025-01-15T12:34:56.789012Z"
    frames = [
        {
            "filename": f"app/step_{i}.py",
            "function": f"step_{i}",
            "lineno": 40 + 7 * i,
            "in_app": i >= 2,
        }
        for i in range(10)
    ]
    return {
        "event_id": event_id,
        "timestamp": ts,
        "platform": "python",
        "level": "error",
        "logger": "app.checkout",
        "server_name": "web-1",
        "release": "shop@1.4.2",
        "environment": "production",
        "sdk": {"name": "sentry.python", "version": "2.19.0"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": message,
                    "mechanism": {"type": "starlette", "handled": False},
                    "stacktrace": {"frames": frames},
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {
                    "timestamp": ts,
                    "type": "http",
                    "category": "httpx",
                    "data": {"url": "http://inventory/items/42", "status_code": 200},
                },
                {"timestamp": ts, "category": "query", "message": "SELECT * FROM orders WHERE id = %s"},
                {"timestamp": ts, "category": "app", "level": "warning", "message": "payment slow"},
            ]
        },
        "request": {
            "url": "http://shop.example/checkout/1234",
            "method": "POST",
            "headers": {"Host": "shop.example", "User-Agent": "Mozilla/5.0"},
        },
        "contexts": {
            "os": {"name": "Linux", "version": "6.1.0"},
            "runtime": {"name": "CPython", "version": "3.11.7"},
            "trace": {
                "trace_id": "4c79f60c11214eb38604f4ae0781bfb2",
                "span_id": "fa90fdead5f74052",
                "op": "http.server",
            },
        },
        "tags": {"country": "DE"},
        "user": {"id": "42"},
    }


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def build_envelope(
    event_id: str | None = None, message: str = "invalid literal for int() with base 10: 'abc'"
) -> tuple[str, bytes]:
    event_id = event_id or uuid.uuid4().hex
    payload = _dumps(build_event(event_id, message))
    header = _dumps(
        {
            "event_id": event_id,
            "sent_at": "2025-01-15T12:34:56.800000Z",
            "dsn": "http://abc@127.0.0.1:9000/1",
            "sdk": {"name": "sentry.python", "version": "2.19.0"},
        }
    )
    item = _dumps({"type": "event", "length": len(payload)})
    return event_id, header + b"\n" + item + b"\n" + payload + b"\n"


def encode(body: bytes, kind: str) -> tuple[bytes, dict[str, str]]:
    """``kind`` is ``plain`` or ``gzip`` (level 6, mtime 0, ``Content-Encoding: gzip``)."""
    headers = {"Content-Type": "application/x-sentry-envelope", "User-Agent": "sentry.python/2.19.0"}
    if kind == "gzip":
        headers["Content-Encoding"] = "gzip"
        return gzip.compress(body, compresslevel=6, mtime=0), headers
    if kind != "plain":
        raise ValueError(f"payload kind {kind!r} is not plain or gzip")
    return body, headers


def bench_body(kind: str) -> tuple[bytes, dict[str, str]]:
    """The body every load request carries (the peers bench's fixed event_id)."""
    _, raw = build_envelope(BENCH_EVENT_ID)
    return encode(raw, kind)


def check_against_peers_bench() -> str:
    """Compare our payload with the peers bench's, byte for byte; returns a one-line verdict."""
    if not PEERS_BENCH.is_file():
        return f"peers bench not found at {PEERS_BENCH}; payload sizes only"
    spec = importlib.util.spec_from_file_location("_peers_bench", PEERS_BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    _, theirs = module.build_envelope(BENCH_EVENT_ID)
    _, ours = build_envelope(BENCH_EVENT_ID)
    their_gz, _ = module.encode(theirs, "gzip")
    our_gz, _ = encode(ours, "gzip")
    if theirs != ours or their_gz != our_gz:
        raise SystemExit(f"payload differs from {PEERS_BENCH}: fix benchmarks/payload.py")
    return f"identical to {PEERS_BENCH.name} ({len(ours):,} B plain, {len(our_gz):,} B gzip)"
