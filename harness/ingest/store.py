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

Items are decoded here, off the request path: the writer extracts type, event id, release and
environment for querying, and keeps every payload's bytes as they were.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import queue
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harness.envelope import Envelope, Item

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    name TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    project INTEGER,
    received_at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    headers BLOB NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT,
    endpoint TEXT NOT NULL,
    body BLOB,
    body_size INTEGER NOT NULL,
    body_truncated INTEGER NOT NULL DEFAULT 0,
    event_id TEXT,
    envelope_headers BLOB
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL,
    project INTEGER,
    idx INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    type TEXT NOT NULL,
    headers BLOB NOT NULL,
    payload BLOB NOT NULL,
    event_id TEXT,
    release TEXT,
    environment TEXT,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_project_type ON items (project, type, id);
CREATE INDEX IF NOT EXISTS items_by_event_id ON items (event_id);
CREATE INDEX IF NOT EXISTS requests_by_project ON requests (project, id);
"""

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

REFUSED_BODY_KEEP = 64 * 1024
"""Bytes of a refused request's body kept (enough to see what it was; a bomb is not kept whole)."""


@dataclass(slots=True)
class RequestRecord:
    """What the request path hands to the writer. ``envelope`` is set when the body parsed."""

    id: int
    project: int | None
    received_at: float
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    status: int
    reason: str | None
    endpoint: str
    body: bytes
    envelope: Envelope | None = None
    event_id: str | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


def _json_blob(value: Any) -> bytes:
    """orjson's output copied into a bytes object of its own size.

    orjson (3.12 on) returns bytes whose allocation is rounded up (at least 4 KiB) and never
    shrunk: a 30-byte item header kept as it came cost 4 KiB, which made one envelope of 100,000
    empty items cost 400 MB while its rows were built (issue 13).
    """
    return bytes(memoryview(orjson.dumps(value)))


@dataclass(slots=True)
class _Barrier:
    done: threading.Event = field(default_factory=threading.Event)


_MAX_ITEM_META_BYTES = 4 * 1024 * 1024


def _item_meta(item: Item, envelope: Envelope) -> tuple[str | None, str | None, str | None]:
    """Event id, release and environment of an item, for querying; never raises."""
    event_id = envelope.event_id
    release = envelope.trace.get("release")
    environment = envelope.trace.get("environment")
    kind = item.type
    if kind in ("event", "transaction", "feedback", "replay_event", "check_in", "session", "security"):
        if len(item.payload) <= _MAX_ITEM_META_BYTES:
            try:
                data = orjson.loads(item.payload)
            except orjson.JSONDecodeError:
                data = None
            if isinstance(data, dict):
                if kind == "session":
                    attrs = data.get("attrs")
                    data = attrs if isinstance(attrs, dict) else {}
                    data = {"release": data.get("release"), "environment": data.get("environment")}
                event_id = data.get("event_id") or data.get("replay_id") or data.get("check_in_id") or event_id
                release = data.get("release") or release
                environment = data.get("environment") or environment
    elif kind == "sessions":
        try:
            data = orjson.loads(item.payload)
            attrs = data.get("attrs", {}) if isinstance(data, dict) else {}
            release = attrs.get("release") or release
            environment = attrs.get("environment") or environment
        except (orjson.JSONDecodeError, AttributeError):
            pass

    def text(v: Any) -> str | None:
        return str(v) if isinstance(v, str | int) and not isinstance(v, bool) else None

    eid = text(event_id)
    return normalize_event_id(eid) if eid else None, text(release), text(environment)


def normalize_event_id(event_id: str) -> str:
    """Event ids compare without hyphens and case (sentry-cli sends hyphenated UUIDs, SDKs plain hex)."""
    return event_id.replace("-", "").lower()


def _item_rows(records: Sequence[RequestRecord]) -> Iterator[tuple[Any, ...]]:
    for r in records:
        if r.envelope is None:
            continue
        accepted = int(r.accepted)
        for idx, item in enumerate(r.envelope.items):
            event_id, release, environment = _item_meta(item, r.envelope)
            yield (
                r.id,
                r.project,
                idx,
                accepted,
                item.type,
                _json_blob(item.headers),
                item.payload,
                event_id,
                release,
                environment,
                r.received_at,
            )


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
        request_rows = []
        touched: set[int] = set()
        for r in records:
            body = r.body if r.accepted else r.body[:REFUSED_BODY_KEEP]
            env_headers = _json_blob(r.envelope.headers) if r.envelope is not None else None
            request_rows.append(
                (
                    r.id,
                    r.project,
                    r.received_at,
                    r.method,
                    r.path,
                    r.query,
                    _json_blob(r.headers),
                    r.status,
                    r.reason,
                    r.endpoint,
                    body,
                    len(r.body),
                    int(len(body) < len(r.body)),
                    r.event_id,
                    env_headers,
                )
            )
            if r.project is not None and r.envelope is not None and r.envelope.items:
                touched.add(r.project)
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", request_rows)
        # Item rows are produced one at a time as SQLite consumes them, never built as a list: what a
        # commit holds beyond the records themselves does not grow with their item count.
        conn.executemany(
            "INSERT INTO items (request_id, project, idx, accepted, type, headers, payload, event_id,"
            " release, environment, received_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            _item_rows(records),
        )
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
