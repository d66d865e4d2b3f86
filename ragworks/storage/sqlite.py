"""Record store on one SQLite file in WAL mode, one connection per thread."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ragworks.models import Document
from ragworks.storage.migrations import Migration, migrate

_DOC_COLS = (
    "id, tenant, collection, source, title, media_type, content_hash, size_bytes, "
    "chunk_count, created_at, flags"
)


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in WAL mode. A new database file is created readable by its owner
    only (0600); SQLite gives its -wal and -shm files the same mode."""
    if str(path) != ":memory:" and not Path(path).exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    # deleted rows are overwritten with zeros, not left in free pages for a reader of the file
    conn.execute("PRAGMA secure_delete=ON")
    return conn


def checkpoint(conn: sqlite3.Connection) -> bool:
    """Copy the WAL into the database and empty it, so that deleted text does not live on
    in the -wal file; best effort (False when a reader still holds an old snapshot: the
    next checkpoint, SQLite's own included, finishes it)."""
    try:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    except sqlite3.OperationalError:  # locked by a writer: SQLite checkpoints later
        return False
    return not busy


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open: SQLite rolls back by itself on some
    errors (a full disk), and a second ROLLBACK would hide the real error behind
    "cannot rollback - no transaction is active"."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def merge_json(conn: sqlite3.Connection, table: str, tenant: str, row_id: str,
               fields: dict[str, object]) -> None:
    """Merge ``fields`` into the JSON ``data`` of the tenant's row ``row_id`` of ``table``
    (a missing row stays missing), in one immediate transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(f"SELECT data FROM {table} WHERE tenant=? AND id=?",  # noqa: S608
                           (tenant, row_id)).fetchone()
        if row is not None:
            conn.execute(f"UPDATE {table} SET data=? WHERE id=?",  # noqa: S608
                         (json.dumps({**json.loads(row[0]), **fields}), row_id))
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


class SQLiteFile:
    """One SQLite file, which several stores may share (records, traces, runs, datasets,
    experiments, alerts): a connection per thread, the file's migrations applied once."""

    def __init__(self, path: str | Path, migrations: Sequence[Migration] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        migrate(self.conn(), migrations)

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _doc(row: Sequence[object]) -> Document:
    fields = dict(zip([c.strip() for c in _DOC_COLS.split(",")], row, strict=True))
    fields["flags"] = tuple(json.loads(str(fields["flags"] or "[]")))
    return Document(**fields)


class SQLiteRecordStore:
    #: a key lookup reads a local file in WAL mode (readers never wait for the writer)
    local = True

    def __init__(self, path: str | Path) -> None:
        self.db = SQLiteFile(path)
        self.path = self.db.path

    def _conn(self) -> sqlite3.Connection:
        return self.db.conn()

    def insert_document(self, doc: Document) -> bool:
        cur = self._conn().execute(
            f"INSERT OR IGNORE INTO documents ({_DOC_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.id, doc.tenant, doc.collection, doc.source, doc.title, doc.media_type,
                doc.content_hash, doc.size_bytes, doc.chunk_count, doc.created_at,
                json.dumps(list(doc.flags)),
            ),
        )
        return cur.rowcount == 1

    def get_document(self, tenant: str, doc_id: str) -> Document | None:
        row = self._conn().execute(
            f"SELECT {_DOC_COLS} FROM documents WHERE tenant=? AND id=?", (tenant, doc_id)
        ).fetchone()
        return _doc(row) if row else None

    def find_by_source(self, tenant: str, collection: str, source: str) -> Document | None:
        row = self._conn().execute(
            f"SELECT {_DOC_COLS} FROM documents WHERE tenant=? AND collection=? AND source=? "
            "ORDER BY created_at DESC LIMIT 1",
            (tenant, collection, source),
        ).fetchone()
        return _doc(row) if row else None

    def versions_of(self, tenant: str, collection: str, source: str) -> list[Document]:
        rows = self._conn().execute(
            f"SELECT {_DOC_COLS} FROM documents WHERE tenant=? AND collection=? AND source=? "
            "ORDER BY created_at DESC", (tenant, collection, source)).fetchall()
        return [_doc(r) for r in rows]

    def list_documents(
        self, tenant: str, collection: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Document]:
        sql = f"SELECT {_DOC_COLS} FROM documents WHERE tenant=?"
        args: list[object] = [tenant]
        if collection is not None:
            sql += " AND collection=?"
            args.append(collection)
        sql += " ORDER BY source, id LIMIT ? OFFSET ?"
        args += [limit, offset]
        return [_doc(r) for r in self._conn().execute(sql, args).fetchall()]

    def count_documents(self, tenant: str, collection: str | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM documents WHERE tenant=?", [tenant]
        if collection is not None:
            sql += " AND collection=?"
            args.append(collection)
        return int(self._conn().execute(sql, args).fetchone()[0])

    def tenants(self) -> list[str]:
        return [r[0] for r in self._conn().execute(
            "SELECT DISTINCT tenant FROM documents ORDER BY tenant")]

    def delete_document(self, tenant: str, doc_id: str) -> bool:
        cur = self._conn().execute(
            "DELETE FROM documents WHERE tenant=? AND id=?", (tenant, doc_id)
        )
        return cur.rowcount == 1

    def put_api_key(self, key_hash: str, tenant: str, scopes: Sequence[str], name: str) -> None:
        self._conn().execute(
            "INSERT INTO api_keys (key_hash, tenant, scopes, name, created_at) "
            "VALUES (?,?,?,?,?) ON CONFLICT(key_hash) DO UPDATE SET tenant=excluded.tenant, "
            "scopes=excluded.scopes, name=excluded.name",
            (key_hash, tenant, json.dumps(list(scopes)), name, time.time()),
        )

    def list_api_keys(self, tenant: str) -> list[dict[str, Any]]:
        rows = self._conn().execute(
            "SELECT key_hash, name, scopes, created_at FROM api_keys WHERE tenant=? "
            "ORDER BY created_at, key_hash", (tenant,)).fetchall()
        return [{"key_hash": h, "name": n, "scopes": json.loads(sc), "created_at": t}
                for h, n, sc, t in rows]

    def delete_api_key(self, key_hash: str) -> bool:
        cur = self._conn().execute("DELETE FROM api_keys WHERE key_hash=?", (key_hash,))
        return cur.rowcount == 1

    def revoke_session(self, session_id: str, expires: float) -> None:
        conn = self._conn()
        conn.execute("INSERT OR REPLACE INTO revoked_sessions (id, expires) VALUES (?,?)",
                     (session_id, expires))
        conn.execute("DELETE FROM revoked_sessions WHERE expires < ?", (time.time(),))

    def session_revoked(self, session_id: str) -> bool:
        return self._conn().execute("SELECT 1 FROM revoked_sessions WHERE id=?",
                                    (session_id,)).fetchone() is not None

    def get_api_key(self, key_hash: str) -> tuple[str, tuple[str, ...], str] | None:
        row = self._conn().execute(
            "SELECT tenant, scopes, name FROM api_keys WHERE key_hash=?", (key_hash,)
        ).fetchone()
        if row is None:
            return None
        return row[0], tuple(json.loads(row[1])), row[2]

    def close(self) -> None:
        self.db.close()
