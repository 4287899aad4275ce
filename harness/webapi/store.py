"""What the web API keeps: releases, deploys, chunks, assembled bundles, tokens and its request log.

Its own SQLite file (``webapi.sqlite3``) beside the ingest's store in the same data folder, so the
ingest's schema stays the ingest's; chunk and bundle bytes live as files under ``webapi/`` in that
folder (``chunks/<org>/<sha1>``, ``bundles/<id>.bundle``), indexed here. Everything survives a
restart on the same data folder. One connection behind a lock: the web API's traffic is a CI
pipeline's, a few requests a second, never the ingest's hot path.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from harness.webapi.bundle import ArtifactBundle, normalize_debug_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token_sha256 TEXT PRIMARY KEY, org TEXT, label TEXT, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS releases (
    id INTEGER PRIMARY KEY, org TEXT NOT NULL, version TEXT NOT NULL, ref TEXT, url TEXT,
    date_created REAL NOT NULL, date_started REAL, date_released REAL, status TEXT NOT NULL DEFAULT 'open',
    UNIQUE (org, version)
);
CREATE TABLE IF NOT EXISTS release_projects (
    release INTEGER NOT NULL, project TEXT NOT NULL, PRIMARY KEY (release, project)
);
CREATE TABLE IF NOT EXISTS deploys (
    id INTEGER PRIMARY KEY, release INTEGER NOT NULL, environment TEXT NOT NULL, name TEXT, url TEXT,
    date_started REAL, date_finished REAL NOT NULL, projects TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    org TEXT NOT NULL, checksum TEXT NOT NULL, size INTEGER NOT NULL, created_at REAL NOT NULL,
    PRIMARY KEY (org, checksum)
);
CREATE TABLE IF NOT EXISTS bundles (
    id INTEGER PRIMARY KEY, org TEXT NOT NULL, checksum TEXT NOT NULL, bundle_id TEXT, format_version INTEGER,
    size INTEGER NOT NULL, file_count INTEGER NOT NULL, attributes TEXT NOT NULL, created_at REAL NOT NULL,
    UNIQUE (org, checksum)
);
CREATE TABLE IF NOT EXISTS bundle_links (
    bundle INTEGER NOT NULL, project TEXT NOT NULL, release TEXT, dist TEXT, created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS bundle_files (
    bundle INTEGER NOT NULL, path TEXT NOT NULL, url TEXT NOT NULL, type TEXT NOT NULL, debug_id TEXT,
    sourcemap TEXT, headers TEXT NOT NULL, size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bundle_files_by_debug_id ON bundle_files (debug_id);
CREATE TABLE IF NOT EXISTS assemble_status (
    org TEXT NOT NULL, checksum TEXT NOT NULL, state TEXT NOT NULL, detail TEXT, PRIMARY KEY (org, checksum)
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY, received_at REAL NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, org TEXT,
    endpoint TEXT NOT NULL, status INTEGER NOT NULL, reason TEXT, fault INTEGER, duration_ms REAL NOT NULL,
    user_agent TEXT
);
"""


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A user auth token in today's format (``sntryu_`` + 64 hex); sentry-cli passes these as they are."""
    return "sntryu_" + secrets.token_hex(32)


class WebApiStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "webapi"
        (self.root / "chunks").mkdir(parents=True, exist_ok=True)
        (self.root / "bundles").mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "webapi.sqlite3"
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _exec(self, sql: str, params: Iterable[Any] = ()) -> int:
        with self._lock:
            cur = self._conn.execute(sql, tuple(params))
            return int(cur.lastrowid or cur.rowcount)

    # ---- tokens -------------------------------------------------------------------------------
    def add_token(self, token: str, org: str | None, label: str | None = None) -> None:
        self._exec("INSERT OR REPLACE INTO tokens VALUES (?,?,?,?)", (_sha256(token), org, label, time.time()))

    def token(self, token: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM tokens WHERE token_sha256 = ?", [_sha256(token)])
        return rows[0] if rows else None

    # ---- releases -----------------------------------------------------------------------------
    def release(self, org: str, version: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM releases WHERE org = ? AND version = ?", [org, version])
        return rows[0] if rows else None

    def create_release(
        self, org: str, version: str, projects: list[str], fields: dict[str, Any]
    ) -> tuple[sqlite3.Row, bool, bool]:
        """Idempotent like Sentry's: (release, created, added a project)."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT * FROM releases WHERE org = ? AND version = ?", (org, version)).fetchone()
                created = row is None
                if created:
                    conn.execute(
                        "INSERT INTO releases (org, version, ref, url, date_created, date_started, date_released,"
                        " status) VALUES (?,?,?,?,?,?,?,?)",
                        (
                            org,
                            version,
                            fields.get("ref"),
                            fields.get("url"),
                            time.time(),
                            fields.get("date_started"),
                            fields.get("date_released"),
                            fields.get("status") or "open",
                        ),
                    )
                    row = conn.execute(
                        "SELECT * FROM releases WHERE org = ? AND version = ?", (org, version)
                    ).fetchone()
                added = 0
                for project in projects:
                    added += conn.execute(
                        "INSERT OR IGNORE INTO release_projects VALUES (?,?)", (row["id"], project)
                    ).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return row, created, added > 0

    def update_release(self, release_id: int, changes: dict[str, Any], projects: list[str] | None) -> None:
        allowed = ("ref", "url", "date_released", "date_started", "status")
        sets = [(k, v) for k, v in changes.items() if k in allowed]
        with self._lock:
            if sets:
                assignments = ", ".join(f"{k} = ?" for k, _ in sets)  # keys from the fixed list above
                self._conn.execute(
                    f"UPDATE releases SET {assignments} WHERE id = ?",  # noqa: S608
                    (*[v for _, v in sets], release_id),
                )
            for project in projects or []:
                self._conn.execute("INSERT OR IGNORE INTO release_projects VALUES (?,?)", (release_id, project))

    def delete_release(self, release_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM releases WHERE id = ?", (release_id,))
            self._conn.execute("DELETE FROM release_projects WHERE release = ?", (release_id,))
            self._conn.execute("DELETE FROM deploys WHERE release = ?", (release_id,))

    def releases(self, org: str, project: str | None = None) -> list[sqlite3.Row]:
        if project is None:
            return self._rows("SELECT * FROM releases WHERE org = ? ORDER BY date_created DESC, id DESC", [org])
        return self._rows(
            "SELECT releases.* FROM releases JOIN release_projects ON release_projects.release = releases.id"
            " WHERE org = ? AND release_projects.project = ? ORDER BY date_created DESC, id DESC",
            [org, project],
        )

    def release_projects(self, release_id: int) -> list[str]:
        return [
            r["project"] for r in self._rows("SELECT project FROM release_projects WHERE release = ?", [release_id])
        ]

    # ---- deploys ------------------------------------------------------------------------------
    def add_deploy(self, release_id: int, spec: dict[str, Any]) -> int:
        return self._exec(
            "INSERT INTO deploys (release, environment, name, url, date_started, date_finished, projects)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                release_id,
                spec["environment"],
                spec.get("name"),
                spec.get("url"),
                spec.get("date_started"),
                spec.get("date_finished") or time.time(),
                orjson.dumps(spec.get("projects") or []).decode(),
            ),
        )

    def deploys(self, release_id: int) -> list[sqlite3.Row]:
        return self._rows("SELECT * FROM deploys WHERE release = ? ORDER BY id DESC", [release_id])

    def deploy(self, deploy_id: int) -> sqlite3.Row:
        return self._rows("SELECT * FROM deploys WHERE id = ?", [deploy_id])[0]

    # ---- chunks -------------------------------------------------------------------------------
    def chunk_path(self, org: str, checksum: str) -> Path:
        return self.root / "chunks" / hashlib.sha256(org.encode()).hexdigest()[:16] / checksum

    def save_chunk(self, org: str, checksum: str, data: bytes) -> None:
        """Write the chunk file first, then index it: an indexed chunk always has its bytes."""
        path = self.chunk_path(org, checksum)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        self._exec("INSERT OR REPLACE INTO chunks VALUES (?,?,?,?)", (org, checksum, len(data), time.time()))

    def missing_chunks(self, org: str, checksums: list[str]) -> list[str]:
        have = (
            {
                r["checksum"]
                for r in self._rows(
                    f"SELECT checksum FROM chunks WHERE org = ? AND checksum IN ({','.join('?' * len(checksums))})",  # noqa: S608
                    [org, *checksums],
                )
            }
            if checksums
            else set()
        )
        seen: set[str] = set()
        missing = []
        for c in checksums:
            if c not in have and c not in seen:
                missing.append(c)
                seen.add(c)
        return missing

    def read_chunks(self, org: str, checksums: list[str]) -> bytes:
        return b"".join(self.chunk_path(org, c).read_bytes() for c in checksums)

    # ---- assemble status and bundles ----------------------------------------------------------
    def assemble_status(self, org: str, checksum: str) -> tuple[str, str | None] | None:
        rows = self._rows("SELECT state, detail FROM assemble_status WHERE org = ? AND checksum = ?", [org, checksum])
        return (rows[0]["state"], rows[0]["detail"]) if rows else None

    def set_assemble_status(self, org: str, checksum: str, state: str, detail: str | None) -> None:
        self._exec("INSERT OR REPLACE INTO assemble_status VALUES (?,?,?,?)", (org, checksum, state, detail))

    def bundle_path(self, bundle_id: int) -> Path:
        return self.root / "bundles" / f"{bundle_id}.bundle"

    def save_bundle(self, org: str, checksum: str, raw: bytes, bundle: ArtifactBundle) -> int:
        existing = self.bundle_by_checksum(org, checksum)
        if existing is not None:
            return existing
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT INTO bundles (org, checksum, bundle_id, format_version, size, file_count, attributes,"
                    " created_at) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        org,
                        checksum,
                        bundle.bundle_id,
                        bundle.format_version,
                        len(raw),
                        len(bundle.files),
                        orjson.dumps(dict(bundle.attributes)).decode(),
                        time.time(),
                    ),
                )
                bid = int(cur.lastrowid or 0)
                path = self.bundle_path(bid)
                path.write_bytes(raw)
                conn.executemany(
                    "INSERT INTO bundle_files VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (
                            bid,
                            f.path,
                            f.url,
                            f.type,
                            f.debug_id,
                            f.sourcemap,
                            orjson.dumps(dict(f.headers)).decode(),
                            f.size,
                        )
                        for f in bundle.files
                    ],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return bid

    def bundle_by_checksum(self, org: str, checksum: str) -> int | None:
        rows = self._rows("SELECT id FROM bundles WHERE org = ? AND checksum = ?", [org, checksum])
        return int(rows[0]["id"]) if rows else None

    def link_bundle(self, bundle_id: int, projects: list[str], release: str | None, dist: str | None) -> None:
        now = time.time()
        with self._lock:
            self._conn.executemany(
                "INSERT INTO bundle_links VALUES (?,?,?,?,?)", [(bundle_id, p, release, dist, now) for p in projects]
            )

    def bundles(
        self,
        org: str,
        *,
        release: str | None = None,
        project: str | None = None,
        debug_id: str | None = None,
    ) -> list[dict[str, Any]]:
        where, params = ["bundles.org = ?"], [org]
        if release is not None:
            where.append("bundles.id IN (SELECT bundle FROM bundle_links WHERE release = ?)")
            params.append(release)
        if project is not None:
            where.append("bundles.id IN (SELECT bundle FROM bundle_links WHERE project = ?)")
            params.append(project)
        if debug_id is not None:
            where.append("bundles.id IN (SELECT bundle FROM bundle_files WHERE debug_id = ?)")
            params.append(normalize_debug_id(debug_id) or debug_id)
        cond = " AND ".join(where)  # fixed fragments; values are bound
        out = []
        for row in self._rows(f"SELECT * FROM bundles WHERE {cond} ORDER BY id", params):  # noqa: S608
            links = self._rows("SELECT project, release, dist FROM bundle_links WHERE bundle = ?", [row["id"]])
            files = self._rows("SELECT * FROM bundle_files WHERE bundle = ? ORDER BY path", [row["id"]])
            out.append(
                {
                    "id": row["id"],
                    "org": row["org"],
                    "checksum": row["checksum"],
                    "bundle_id": row["bundle_id"],
                    "format_version": row["format_version"],
                    "size": row["size"],
                    "file_count": row["file_count"],
                    "attributes": orjson.loads(row["attributes"]),
                    "created_at": row["created_at"],
                    "links": [dict(link) for link in links],
                    "files": [
                        {
                            "path": f["path"],
                            "url": f["url"],
                            "type": f["type"],
                            "debug_id": f["debug_id"],
                            "sourcemap": f["sourcemap"],
                            "headers": orjson.loads(f["headers"]),
                            "size": f["size"],
                        }
                        for f in files
                    ],
                }
            )
        return out

    def bundle_bytes(self, bundle_id: int) -> bytes | None:
        path = self.bundle_path(bundle_id)
        return path.read_bytes() if path.exists() else None

    # ---- request log --------------------------------------------------------------------------
    def log_request(self, record: dict[str, Any]) -> None:
        self._exec(
            "INSERT INTO requests (received_at, method, path, org, endpoint, status, reason, fault, duration_ms,"
            " user_agent) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                record["received_at"],
                record["method"],
                record["path"],
                record.get("org"),
                record["endpoint"],
                record["status"],
                record.get("reason"),
                record.get("fault"),
                record["duration_ms"],
                record.get("user_agent"),
            ),
        )

    def requests(self, org: str | None = None, after_id: int | None = None) -> list[dict[str, Any]]:
        where, params = ["1=1"], []
        if org is not None:
            where.append("org = ?")
            params.append(org)
        if after_id is not None:
            where.append("id > ?")
            params.append(str(after_id))
        cond = " AND ".join(where)
        return [dict(r) for r in self._rows(f"SELECT * FROM requests WHERE {cond} ORDER BY id", params)]  # noqa: S608
