"""What the store promises: after a flush every 2xx is stored; data survives a restart and a kill."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from harness.ingest import IngestClient, start_ingest
from tests.support.payloads import event_envelope, gz
from tests.support.rawhttp import post_many

KEY = "0123456789abcdef0123456789abcdef"


@pytest.mark.slow
def test_stored_count_equals_2xx_count_over_10000_requests_and_survives_restart(tmp_path: Path) -> None:
    data = tmp_path / "ingest"
    ingest = start_ingest(data, projects=[(1, KEY)])
    try:
        body = gz(event_envelope("load"))
        url = f"{ingest.url}/api/1/envelope/?sentry_key={KEY}&sentry_version=7"
        statuses = post_many(url, body, 10_000, headers={"content-encoding": "gzip"})
        ok = sum(200 <= s < 300 for s in statuses)
        assert ok == 10_000
        with IngestClient(ingest.url) as client:
            committed = client.flush()
            stats = client.stats()
            assert committed == stats["accepted"] == ok
            assert stats["items_by_type"] == {"event": ok}
    finally:
        assert ingest.stop() == 0

    again = start_ingest(data)  # same folder: same projects, same rows, ids go on
    try:
        assert again.dsns[1] == f"http://{KEY}@{again.url.removeprefix('http://')}/1"
        with IngestClient(again.url) as client:
            assert client.stats()["accepted"] == 10_000
            r = httpx.post(f"{again.url}/api/1/envelope/?sentry_key={KEY}", content=event_envelope("after"))
            assert r.status_code == 200
            client.flush()
            assert client.requests(1, after_id=10_000)[0].id == 10_001
    finally:
        again.stop()


def test_flushed_data_survives_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "ingest"
    ingest = start_ingest(data, projects=[(1, KEY)])
    try:
        for i in range(50):
            httpx.post(f"{ingest.url}/api/1/envelope/?sentry_key={KEY}", content=event_envelope(f"k{i}"))
        with IngestClient(ingest.url) as client:
            assert client.flush() == 50
    finally:
        ingest.process.send_signal(signal.SIGKILL)
        ingest.stop()
    again = start_ingest(data)
    try:
        with IngestClient(again.url) as client:
            assert len(client.items(1, "event")) == 50
    finally:
        again.stop()
