"""The recording relay forwards a real SDK's envelopes byte for byte and keeps a copy ``audit`` can scan.

The upstream is a second local ingest, which keeps every raw body it receives: equal bytes there and
in the relay's copy prove the relay changed nothing on the way (brotli bodies included).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections import Counter
from pathlib import Path

import httpx
import orjson
import pytest

from harness.ingest import IngestClient, start_ingest
from harness.relay import forwardable_headers, start_relay, upstream_url

KEY = "0123456789abcdef0123456789abcdef"
CLIENT = Path(__file__).parents[1] / "sdk_clients" / "python" / "send_all.py"
DROPPED = {"host", "content-length", "transfer-encoding", "connection"}


def _relay_copy(store: Path) -> list[tuple[bytes, list[tuple[str, str]], int]]:
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT body, headers, status FROM requests ORDER BY id").fetchall()
    return [(bytes(body), [tuple(h) for h in orjson.loads(headers)], status) for body, headers, status in rows]


@pytest.mark.xdist_group("relay")
def test_relay_forwards_a_real_sdk_byte_for_byte_and_audit_reads_the_copy(tmp_path: Path) -> None:
    upstream = start_ingest(tmp_path / "upstream", projects=[(7, KEY)])
    marker = f"gatecanary{uuid.uuid4().hex[:16]}"
    try:
        relay = start_relay(upstream.url, tmp_path / "relay")
        try:
            subprocess.run(
                [sys.executable, str(CLIENT), "br", marker],
                env={"SENTRY_DSN": relay.dsn(KEY, 7), "PATH": "/usr/bin:/bin"},
                check=True,
                timeout=60,
            )
        finally:
            assert relay.stop() == 0, relay.log_path.read_text()
        with IngestClient(upstream.url) as client:
            client.flush()
            received = [(r, client.request_body(r.id)) for r in client.requests(project=7)]
    finally:
        upstream.stop()

    copy = _relay_copy(relay.store_path)
    assert len(copy) == len(received) >= 5, (len(copy), len(received))
    assert all(status == 200 for _, _, status in copy)
    # Every body the upstream received is one the SDK sent to the relay, byte for byte (still brotli).
    assert Counter(body for _, body in received) == Counter(body for body, _, _ in copy)
    assert any(dict((k.lower(), v) for k, v in h).get("content-encoding") == "br" for _, h, _ in copy)
    # And with the SDK's own end-to-end headers (auth, encoding, user agent), unchanged.
    sent = {body: sorted((k.lower(), v) for k, v in h if k.lower() not in DROPPED) for body, h, _ in copy}
    for request, body in received:
        got = sorted((k.lower(), v) for k, v in request.raw_headers if k.lower() not in DROPPED)
        assert got == sent[body]

    # The copy is what `sentry-gate audit` scans: the marker planted as a canary is found in it.
    canaries = tmp_path / "canaries.jsonl"
    canaries.write_text(json.dumps({"kind": "marker", "value": marker, "label": "⟦marker⟧"}) + "\n")
    audit = subprocess.run(
        [sys.executable, "-m", "harness.cli", "audit", str(relay.audit_tar), "--canaries", str(canaries)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert audit.returncode == 1, audit.stdout + audit.stderr  # a finding: the marker is in messages
    assert "privacy.audit.canaries" in audit.stdout
    assert marker not in audit.stdout  # findings are masked
    with tarfile.open(relay.audit_tar) as tar:
        assert len(tar.getmembers()) == len(copy)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.xdist_group("relay")
def test_unreachable_upstream_answers_502_and_keeps_the_copy(tmp_path: Path) -> None:
    relay = start_relay(f"http://127.0.0.1:{_closed_port()}", tmp_path / "relay")
    body = b'{"event_id":"' + b"b" * 32 + b'"}\n{"type":"event"}\n{"message":"hello"}'
    try:
        answer = httpx.post(f"{relay.url}/api/3/envelope/?sentry_key={KEY}", content=body, timeout=30)
    finally:
        relay.stop()
    assert answer.status_code == 502
    assert "upstream unreachable" in answer.json()["detail"]
    copy = _relay_copy(relay.store_path)
    assert [(b, s) for b, _, s in copy] == [(body, 502)]
    with sqlite3.connect(relay.store_path) as conn:
        assert conn.execute("SELECT type FROM items").fetchall() == [("event",)]


def test_only_hop_by_hop_headers_are_dropped() -> None:
    headers = [
        ("Host", "relay"),
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "1"),
        ("Transfer-Encoding", "chunked"),
        ("X-Sentry-Auth", "Sentry sentry_key=k"),
        ("Content-Encoding", "br"),
        ("Accept", "a"),
        ("Accept", "b"),
    ]
    assert forwardable_headers(headers) == [
        ("X-Sentry-Auth", "Sentry sentry_key=k"),
        ("Content-Encoding", "br"),
        ("Accept", "a"),
        ("Accept", "b"),
    ]
    assert upstream_url("https://o1.ingest.sentry.io", "/api/1/envelope/", "sentry_key=a%2Fb") == (
        "https://o1.ingest.sentry.io/api/1/envelope/?sentry_key=a%2Fb"
    )
