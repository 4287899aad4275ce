"""The relay's copy of every request: the ingest's SQLite store (exact bytes) and a tar for ``audit``.

The store is `harness.ingest.store.Store`, so a relay's data folder opens with ``sentry-gate ingest
serve --data DIR`` and is queried like any capture. ``envelopes.tar`` holds each body *decoded*
(Content-Encoding undone, bounded by the ingest's limits) under the name the ingest's export uses
(``<id>-<status>.<endpoint>.raw``), because ``sentry-gate audit`` recognises gzip and zlib by their
magic bytes but cannot tell brotli or zstd, which SDKs send too. A body that cannot be decoded is kept
as received. Nothing here reads values: findings are the auditor's job.
"""

from __future__ import annotations

import io
import re
import tarfile
import threading
import time
from pathlib import Path
from typing import Final

from harness.envelope import Envelope, EnvelopeError, parse_envelope
from harness.ingest.body import BodyDecodeError, BodyTooLarge, decode_body
from harness.ingest.limits import Limits
from harness.ingest.rows import RequestRecord
from harness.ingest.store import STORE_FILE, Store

__all__ = ["AUDIT_TAR", "STORE_FILE", "RelayCopies", "ingest_route"]

AUDIT_TAR: Final = "envelopes.tar"
_INGEST_PATH: Final = re.compile(r"^(?:.*)/api/(\d+)/(envelope|store|security|minidump|unreal)/?$")


def ingest_route(path: str) -> tuple[int | None, str]:
    """(project, endpoint) of an SDK route, or (None, "other") for anything else the relay forwards."""
    match = _INGEST_PATH.match(path)
    return (int(match[1]), match[2]) if match else (None, "other")


class RelayCopies:
    """Thread-safe: requests are recorded from the event loop's worker threads."""

    def __init__(self, data: Path, limits: Limits | None = None) -> None:
        data.mkdir(parents=True, exist_ok=True)
        self.data = data
        self.limits = limits or Limits()
        self.store = Store(data / STORE_FILE)
        self._tar_lock = threading.Lock()
        tar_path = data / AUDIT_TAR
        tar_path.touch()
        # Open for the relay's life (closed in close()); flushed after every member, so a relay that is
        # killed leaves a tar whose members are all readable.
        self._file = tar_path.open("r+b")
        # "a" cannot start an empty file.
        if tar_path.stat().st_size:
            self._tar = tarfile.open(fileobj=self._file, mode="a")  # noqa: SIM115
        else:
            self._tar = tarfile.open(fileobj=self._file, mode="w")  # noqa: SIM115
        self.recorded = 0

    def decoded(self, body: bytes, content_encoding: str | None) -> bytes | None:
        try:
            return decode_body(
                body, content_encoding, limit=self.limits.max_envelope_size, spool_threshold=self.limits.spool_threshold
            )
        except (BodyDecodeError, BodyTooLarge):
            return None

    def record(
        self,
        *,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        status: int,
        reason: str | None,
        body: bytes,
    ) -> int:
        """Keep one request (its body exactly as received); returns its id in the store."""
        project, endpoint = ingest_route(path)
        encoding = next((v for k, v in headers if k.lower() == "content-encoding"), None)
        plain = self.decoded(body, encoding) if body else b""
        envelope: Envelope | None = None
        if plain is not None and endpoint == "envelope":
            try:
                envelope = parse_envelope(plain)
            except EnvelopeError:
                envelope = None
        event_id = envelope.event_id if envelope is not None else None
        record = RequestRecord(
            id=self.store.next_request_id(),
            project=project,
            received_at=time.time(),
            method=method,
            path=path,
            query=query,
            headers=headers,
            status=status,
            reason=reason,
            endpoint=endpoint,
            body=body,
            envelope=envelope,
            event_id=event_id if isinstance(event_id, str) else None,
        )
        self.store.submit(record)
        if body:
            copy = body if plain is None else plain
            info = tarfile.TarInfo(f"{record.id:08d}-{status}.{endpoint}.raw")
            info.size = len(copy)
            info.mtime = int(record.received_at)
            with self._tar_lock:
                self._tar.addfile(info, io.BytesIO(copy))
                self._file.flush()
        self.recorded += 1
        return record.id

    def close(self) -> None:
        self.store.flush()
        self.store.close()
        with self._tar_lock:
            self._tar.close()
            self._file.close()
