"""The embedded chunk index: chunks and vectors in a SQLite file, searched in memory.

The SQLite file is the durable truth; the in-memory BM25 matrix and the dense
matrix are rebuilt from it at start and whenever another process changed it
(a generation counter tells). Search is brute force over float32 vectors,
which stays under 25 ms at 100k chunks on 2 cores.
"""

from __future__ import annotations

import ctypes
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from ragworks.index.lexical import BM25
from ragworks.models import Chunk, Hit, Scope, content_hash, embed_text
from ragworks.storage.sqlite import connect, rollback

_COLS = "id, doc_id, tenant, collection, source, title, section, text, start, end, ordinal"
_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, "
    "tenant TEXT NOT NULL, collection TEXT NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL, "
    "section TEXT NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, "
    "ordinal INTEGER NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (tenant, doc_id)",
    "CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks (text_hash)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO meta VALUES ('generation', 0)",
]


T = TypeVar("T")


def _objects(values: Iterable[str]) -> np.ndarray:
    return np.array(list(values), dtype=object)


def _return_freed_memory() -> None:
    """Give the heap freed by a bulk load back to the OS (glibc keeps it otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def text_hash(chunk: Chunk) -> str:
    return content_hash(chunk.embed_text)


def _chunk(row: Sequence[object]) -> Chunk:
    keys = [c.strip() for c in _COLS.split(",")]
    return Chunk(**dict(zip(keys, row, strict=True)))


class LocalChunkIndex:
    def __init__(self, path: str | Path, dim: int) -> None:
        self.dir = Path(path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self._db_path = self.dir / "chunks.db"
        self._local = threading.local()
        self._lock = threading.RLock()
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        for stmt in _SCHEMA:
            conn.execute(stmt)
        conn.execute("COMMIT")
        self._generation = -1
        self._reload_if_changed()

    # -- storage -------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._db_path)
            self._local.conn = conn
        return conn

    def _db_generation(self) -> int:
        return int(self._conn().execute("SELECT value FROM meta WHERE key='generation'")
                   .fetchone()[0])

    def _reload_if_changed(self) -> None:
        with self._lock:
            gen = self._db_generation()
            if gen == self._generation:
                return
            n = int(self._conn().execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            ids, docs, tenants, collections = [], [], [], []
            vectors = np.zeros((n, self.dim), dtype=np.float32)
            bm25 = BM25()
            texts: list[str] = []
            # Streamed in row order: never all rows (texts and blobs) in memory at once.
            cursor = self._conn().execute(
                "SELECT id, doc_id, tenant, collection, title, section, text, vector "
                "FROM chunks ORDER BY rowid")
            for i, row in enumerate(cursor):
                if i >= n:  # rows added since COUNT: the next call reloads them
                    break
                ids.append(row[0])
                docs.append(row[1])
                tenants.append(row[2])
                collections.append(row[3])
                vectors[i] = np.frombuffer(row[7], dtype=np.float32)
                texts.append(embed_text(row[4], row[5], row[6]))
                if len(texts) == 2000:
                    bm25.add(texts)
                    texts = []
                if i % 25000 == 24999:
                    bm25.compact()
            bm25.add(texts)
            bm25.compact()
            self._ids = ids
            self._docs = np.array(docs, dtype=object)
            self._tenants = np.array(tenants, dtype=object)
            self._collections = np.array(collections, dtype=object)
            self._vectors = vectors[: len(ids)]
            self._bm25 = bm25
            self._generation = gen if len(ids) == n else -1
            _return_freed_memory()

    def _write(self, statements: Callable[[sqlite3.Connection], T]) -> tuple[T, bool]:
        """Run statements in one transaction and bump the generation.

        Returns their result and whether the in-memory arrays may be patched in
        place (False when another process wrote meanwhile: they were reloaded).
        """
        self._reload_if_changed()
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = statements(conn)
            conn.execute("UPDATE meta SET value = value + 1 WHERE key='generation'")
            gen = self._db_generation()
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        if gen != self._generation + 1:
            self._generation = -1
            self._reload_if_changed()
            return result, False
        self._generation = gen
        return result, True

    # -- writes ----------------------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        if not chunks:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)

        def insert(conn: sqlite3.Connection) -> list[int]:
            inserted = []
            for i, (chunk, vec) in enumerate(zip(chunks, vectors, strict=True)):
                cur = conn.execute(
                    f"INSERT OR IGNORE INTO chunks ({_COLS}, text_hash, vector) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (chunk.id, chunk.doc_id, chunk.tenant, chunk.collection, chunk.source,
                     chunk.title, chunk.section, chunk.text, chunk.start, chunk.end,
                     chunk.ordinal, text_hash(chunk), vec.tobytes()),
                )
                if cur.rowcount == 1:
                    inserted.append(i)
            return inserted

        with self._lock:
            new, in_sync = self._write(insert)
            if not (in_sync and new):
                return
            fresh = [chunks[i] for i in new]
            self._ids += [c.id for c in fresh]
            self._docs = np.concatenate([self._docs, _objects(c.doc_id for c in fresh)])
            self._tenants = np.concatenate([self._tenants, _objects(c.tenant for c in fresh)])
            self._collections = np.concatenate(
                [self._collections, _objects(c.collection for c in fresh)])
            self._vectors = np.vstack([self._vectors, vectors[new]])
            self._bm25.add([c.embed_text for c in fresh])

    def delete_document(self, tenant: str, doc_id: str) -> int:
        def delete(conn: sqlite3.Connection) -> int:
            return int(conn.execute(
                "DELETE FROM chunks WHERE tenant=? AND doc_id=?", (tenant, doc_id)).rowcount)

        with self._lock:
            removed, in_sync = self._write(delete)
            if not in_sync:
                return removed
            keep = ~((self._tenants == tenant) & (self._docs == doc_id))
            if not keep.all():
                self._ids = [x for x, k in zip(self._ids, keep, strict=True) if k]
                self._docs = self._docs[keep]
                self._tenants = self._tenants[keep]
                self._collections = self._collections[keep]
                self._vectors = self._vectors[keep]
                self._bm25.keep(keep)
            return removed

    # -- reads -----------------------------------------------------------------------------

    def search(self, query: str, vector: np.ndarray, scope: Scope, n: int,
               timings: dict[str, tuple[float, float]] | None = None) -> list[Hit]:
        with self._lock:
            self._reload_if_changed()
            ids, vectors, bm25 = self._ids, self._vectors, self._bm25
            mask = self._tenants == scope.tenant
            if scope.collection is not None:
                mask &= self._collections == scope.collection
            t0 = time.time()
            lexical = bm25.scores(query, mask)
        if not mask.any():
            return []
        in_scope = np.flatnonzero(mask)
        lex_top = _top(lexical, in_scope, n, positive_only=True)
        t1 = time.time()
        dense = vectors @ np.asarray(vector, dtype=np.float32)
        dense_top = _top(dense, in_scope, n)
        if timings is not None:
            timings["lexical"] = (t0, t1)
            timings["dense"] = (t1, time.time())
        lex_rank = {int(p): r for r, p in enumerate(lex_top, 1)}
        dense_rank = {int(p): r for r, p in enumerate(dense_top, 1)}
        positions = list(dict.fromkeys([*dense_top.tolist(), *lex_top.tolist()]))
        chunks = self._fetch([ids[p] for p in positions])
        hits = []
        for p in positions:
            chunk = chunks.get(ids[p])
            if chunk is None:  # deleted by another process between reads
                continue
            hits.append(Hit(chunk=chunk, lexical=float(lexical[p]), dense=float(dense[p]),
                            lexical_rank=lex_rank.get(p), dense_rank=dense_rank.get(p)))
        return hits

    def _fetch(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        out: dict[str, Chunk] = {}
        for i in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[i:i + 500])
            marks = ",".join("?" * len(part))
            for row in self._conn().execute(
                f"SELECT {_COLS} FROM chunks WHERE id IN ({marks})", part
            ):
                out[row[0]] = _chunk(row)
        return out

    def chunks_of(self, tenant: str, doc_id: str) -> list[Chunk]:
        rows = self._conn().execute(
            f"SELECT {_COLS} FROM chunks WHERE tenant=? AND doc_id=? ORDER BY ordinal",
            (tenant, doc_id),
        ).fetchall()
        return [_chunk(r) for r in rows]

    def cached_vectors(self, tenant: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        hashes = list(dict.fromkeys(text_hashes))
        for i in range(0, len(hashes), 500):
            part = hashes[i:i + 500]
            marks = ",".join("?" * len(part))
            for h, blob in self._conn().execute(
                f"SELECT text_hash, vector FROM chunks WHERE tenant = ? AND text_hash IN "
                f"({marks})", [tenant, *part]
            ):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def count(self, tenant: str | None = None) -> int:
        with self._lock:
            self._reload_if_changed()
            if tenant is None:
                return len(self._ids)
            return int((self._tenants == tenant).sum())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _top(scores: np.ndarray, candidates: np.ndarray, n: int,
         positive_only: bool = False) -> np.ndarray:
    """Positions of the n best scores among candidates, best first."""
    sub = scores[candidates]
    if positive_only:
        keep = sub > 0
        candidates, sub = candidates[keep], sub[keep]
    if len(sub) > n:
        part = np.argpartition(-sub, n - 1)[:n]
        candidates, sub = candidates[part], sub[part]
    return candidates[np.argsort(-sub, kind="stable")]
