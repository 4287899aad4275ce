"""Durable storage of every request and its items: SQLite in WAL mode behind one batched writer.

Contract (what a test may rely on):
- The request path only *queues* a record; the 200 is sent before the commit. A single writer
  thread drains the queue and commits in batches: it gathers records for at most
  ``max_batch_delay`` (5 ms) after the first, then commits, so a record is committed within a few
  milliseconds of its answer (plus the commit itself).
- `flush` returns after everything queued before it is committed: after a flush, the stored
  count equals the count of 2xx answers (checked over 10,000 requests in the tests).
- Data survives a restart: the same data folder reopens with every request and item, and ids go on.
- Waits (`wait_for_items`) only ever see committed rows; the writer bumps a per-project sequence
  number so waiters re-query only when their project got something new.

Items are decoded here, off the request path: the writer turns each record into rows (`rows`:
type, event id, release and environment for querying, every payload's bytes as they were).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import queue
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harness.ingest.rows import (
    INSERT_ITEM,
    INSERT_REQUEST,
    SCHEMA,
    RequestRecord,
    item_rows,
    normalize_event_id,
    request_row,
)

STORE_FILE = "ingest.sqlite3"
"""The store's file in a data folder (the ingest's and the relay's)."""

TRIM_AFTER_ITEMS = 10_000
TRIM_AFTER_BYTES = 16 * 1024 * 1024
"""After a commit of at least this many items or body bytes, freed heap is handed back to the kernel."""


def _load_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]  # type: ignore[attr-defined]
    trim.restype = ctypes.c_int  # type: ignore[attr-defined]
    return trim


_MALLOC_TRIM = _load_malloc_trim()


@dataclass(slots=True)
class _Barrier:
    done: threading.Event = field(default_factory=threading.Event)


class Store:
    """One SQLite database in the data folder, one writer thread, one reader connection."""

    def __init__(
        self,
        path: Path,
        *,
        synchronous: str = "NORMAL",
        max_batch: int = 2000,
        max_batch_delay: float = 0.005,
        on_commit: Callable[[set[int]], None] | None = None,
    ) -> None:
        self.path = path
        self.max_batch = max_batch
        self.max_batch_delay = max_batch_delay
        self.on_commit = on_commit
        path.parent.mkdir(parents=True, exist_ok=True)
        self._reader = self._connect(synchronous)
        self._reader.executescript(SCHEMA)
        self._synchronous = synchronous
        row = self._reader.execute("SELECT COALESCE(MAX(id), 0) FROM requests").fetchone()
        self._next_request_id = int(row[0]) + 1
        self._id_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._queue: queue.SimpleQueue[RequestRecord | _Barrier | None] = queue.SimpleQueue()
        self.committed_requests = 0
        self.project_seq: Counter[int] = Counter()
        self.writer_error: BaseException | None = None
        self._trim_due = False
        self._writer = threading.Thread(target=self._write_loop, name="ingest-writer", daemon=True)
        self._writer.start()

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        # 16 KiB pages: a ~2 KB event row no longer takes a 4 KiB page to itself (takes effect when
        # the database is created; an existing data folder keeps its page size).
        conn.execute("PRAGMA page_size=16384")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    # ---- request path -------------------------------------------------------------------------
    def next_request_id(self) -> int:
        with self._id_lock:
            rid = self._next_request_id
            self._next_request_id += 1
            return rid

    def submit(self, record: RequestRecord) -> None:
        """Queue a record for the writer; cheap and non-blocking (the request path's only store call)."""
        self._queue.put(record)

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize()

    # ---- writer -------------------------------------------------------------------------------
    def _write_loop(self) -> None:
        conn = self._connect(self._synchronous)
        try:
            while self._write_batch(conn, self._queue.get()):
                if self._trim_due:
                    # The large batch is released by now (``_write_batch`` returned). glibc keeps
                    # freed heap for reuse, so without this one hostile request's peak stayed
                    # resident for the life of the process.
                    self._trim_due = False
                    if _MALLOC_TRIM is not None:
                        _MALLOC_TRIM(0)
        except BaseException as exc:  # surfaced by flush() and /health, never silently lost
            self.writer_error = exc
            raise
        finally:
            conn.close()

    def _write_batch(self, conn: sqlite3.Connection, first: RequestRecord | _Barrier | None) -> bool:
        """Gather a batch after ``first``, commit it, release its barriers; False on shutdown.

        A method of its own so the batch (bodies, envelopes, items) is released when it returns:
        held in the loop's locals it stayed alive while the writer waited for the next request.
        """
        if first is None:
            return False
        batch: list[RequestRecord | _Barrier | None] = [first]
        # Gather for a few milliseconds (waiting on the queue with a deadline, never sleeping):
        # under load a commit then carries ~100 records instead of ~6, which halves the
        # writer's CPU per record; a flush barrier or shutdown ends the gathering at once.
        deadline = time.monotonic() + self.max_batch_delay
        while len(batch) < self.max_batch and not isinstance(batch[-1], _Barrier) and batch[-1] is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        stop = None in batch
        self._commit(conn, [r for r in batch if isinstance(r, RequestRecord)])
        for r in batch:
            if isinstance(r, _Barrier):
                r.done.set()
        return not stop

    def _commit(self, conn: sqlite3.Connection, records: Sequence[RequestRecord]) -> None:
        if not records:
            return
        request_rows = [request_row(r) for r in records]
        touched = {r.project for r in records if r.project is not None and r.envelope is not None and r.envelope.items}
        conn.execute("BEGIN")
        conn.executemany(INSERT_REQUEST, request_rows)
        # Item rows are produced one at a time as SQLite consumes them, never built as a list: what a
        # commit holds beyond the records themselves does not grow with their item count.
        conn.executemany(INSERT_ITEM, item_rows(records))
        conn.execute("COMMIT")
        items = sum(len(r.envelope.items) for r in records if r.envelope is not None)
        if items >= TRIM_AFTER_ITEMS or sum(len(r.body) for r in records) >= TRIM_AFTER_BYTES:
            self._trim_due = True
        self.committed_requests += len(records)
        for project in touched:
            self.project_seq[project] += 1
        if self.on_commit is not None:
            self.on_commit(touched)

    def flush(self, timeout: float = 30.0) -> bool:
        """Block until everything queued so far is committed; False on timeout."""
        if self.writer_error is not None:
            raise RuntimeError(f"ingest writer failed: {self.writer_error!r}")
        barrier = _Barrier()
        self._queue.put(barrier)
        return barrier.done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=30)
        self._reader.close()

    # ---- projects -----------------------------------------------------------------------------
    def save_project(self, project_id: int, key: str, name: str | None) -> None:
        with self._read_lock:
            self._reader.execute(
                "INSERT OR REPLACE INTO projects (id, key, name, created_at) VALUES (?,?,?,?)",
                (project_id, key, name, time.time()),
            )

    def load_projects(self) -> list[tuple[int, str, str | None]]:
        with self._read_lock:
            return [(int(a), str(b), c) for a, b, c in self._reader.execute("SELECT id, key, name FROM projects")]

    # ---- queries ------------------------------------------------------------------------------
    def _query(self, sql: str, params: Iterable[Any]) -> list[sqlite3.Row]:
        with self._read_lock:
            cur = self._reader.execute(sql, tuple(params))
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

    def items(
        self,
        *,
        project: int | None = None,
        type: str | None = None,
        event_id: str | None = None,
        release: str | None = None,
        environment: str | None = None,
        since: float | None = None,
        after_id: int | None = None,
        include_refused: bool = False,
        limit: int | None = None,
        count_only: bool = False,
    ) -> list[sqlite3.Row] | int:
        where: list[str] = ["1=1"]
        params: list[Any] = []
        for column, value in (
            ("project", project),
            ("type", type),
            ("event_id", normalize_event_id(event_id) if event_id is not None else None),
            ("release", release),
            ("environment", environment),
        ):
            if value is not None:
                where.append(f"items.{column} = ?")
                params.append(value)
        if since is not None:
            where.append("items.received_at >= ?")
            params.append(since)
        if after_id is not None:
            where.append("items.id > ?")
            params.append(after_id)
        if not include_refused:
            where.append("items.accepted = 1")
        cond = " AND ".join(where)
        if count_only:
            return int(self._query(f"SELECT COUNT(*) FROM items WHERE {cond}", params)[0][0])  # noqa: S608
        sql = (
            "SELECT items.*, requests.envelope_headers FROM items"  # noqa: S608 - columns are fixed names
            f" JOIN requests ON requests.id = items.request_id WHERE {cond} ORDER BY items.id"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._query(sql, params)

    def requests(
        self,
        *,
        project: int | None = None,
        status: int | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> list[sqlite3.Row]:
        where: list[str] = ["1=1"]
        params: list[Any] = []
        if project is not None:
            where.append("project = ?")
            params.append(project)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if after_id is not None:
            where.append("id > ?")
            params.append(after_id)
        cond = " AND ".join(where)  # fixed column names; values are bound parameters
        columns = (
            "id, project, received_at, method, path, query, headers, status, reason, endpoint,"
            " body_size, body_truncated, event_id, envelope_headers"
        )
        sql = f"SELECT {columns} FROM requests WHERE {cond} ORDER BY id"  # noqa: S608
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._query(sql, params)

    def request_body(self, request_id: int) -> tuple[bytes, list[tuple[str, str]], bool] | None:
        rows = self._query("SELECT body, headers, body_truncated FROM requests WHERE id = ?", [request_id])
        if not rows:
            return None
        headers = [tuple(h) for h in orjson.loads(rows[0]["headers"])]
        return bytes(rows[0]["body"] or b""), headers, bool(rows[0]["body_truncated"])

    def counts(self) -> dict[str, Any]:
        rows = self._query(
            "SELECT project, status, COALESCE(reason, 'ok') AS reason, COUNT(*) AS n FROM requests"
            " GROUP BY project, status, reason ORDER BY project, status",
            [],
        )
        accepted = sum(r["n"] for r in rows if 200 <= r["status"] < 300)
        by_reason: Counter[str] = Counter()
        for r in rows:
            if not 200 <= r["status"] < 300:
                by_reason[f"{r['status']} {r['reason']}"] += r["n"]
        items = self._query("SELECT type, COUNT(*) AS n FROM items WHERE accepted = 1 GROUP BY type", [])
        return {
            "accepted": accepted,
            "rejected": sum(by_reason.values()),
            "rejected_by_reason": dict(by_reason),
            "by_project": [dict(r) for r in rows],
            "items_by_type": {r["type"]: r["n"] for r in items},
        }

    def clear(self, project: int | None = None) -> int:
        with self._read_lock:
            if project is None:
                n = self._reader.execute("DELETE FROM items").rowcount
                self._reader.execute("DELETE FROM requests")
            else:
                n = self._reader.execute("DELETE FROM items WHERE project = ?", (project,)).rowcount
                self._reader.execute("DELETE FROM requests WHERE project = ?", (project,))
            return int(n)
