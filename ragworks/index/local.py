"""The embedded chunk index: chunks and vectors in a SQLite file, searched in memory.

The SQLite file is the durable truth; the in-memory BM25 matrix and the dense
matrix are loaded from it at start. Every write also appends to a change log
(rows added, documents deleted) in the same transaction, so a process sees another
process' writes by replaying the few entries it has not seen: a query never waits
for a whole reload (only a reader that fell more than ``KEEP_CHANGES`` entries
behind loads afresh). Tenants and collections are held as integer codes, so a
query's scope is one integer comparison per chunk. The dense arm scans 8-bit (or, in
large scopes, 1-bit) codes of the vectors held in memory (``dense.DenseCodes``); the
float32 vectors are read back with the hits' rows, so every dense score is exact.
"""

from __future__ import annotations

import ctypes
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np

from ragworks.index.dense import DenseCodes
from ragworks.index.lexical import BM25
from ragworks.models import Chunk, Hit, Scope, embed_text
from ragworks.storage.sqlite import SQLiteFile, checkpoint, rollback
from ragworks.text import text_hash

_COLS = "id, doc_id, tenant, collection, source, title, section, text, start, end, ordinal"
_LOAD = "SELECT id, doc_id, tenant, collection, title, section, text, vector FROM chunks"


def _m001_chunks(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, "
        "tenant TEXT NOT NULL, collection TEXT NOT NULL, source TEXT NOT NULL, "
        "title TEXT NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL, "
        "start INTEGER NOT NULL, end INTEGER NOT NULL, ordinal INTEGER NOT NULL, "
        "text_hash TEXT NOT NULL, vector BLOB NOT NULL)")
    conn.execute("CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (tenant, doc_id)")
    conn.execute("CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks (text_hash)")


def _m002_change_log(conn: sqlite3.Connection) -> None:
    """One row per write: rows first_row..last_row added, or (first_row NULL) a document
    deleted. Readers replay the entries after the last one they applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
        "tenant TEXT NOT NULL, doc_id TEXT NOT NULL, first_row INTEGER, last_row INTEGER)")


MIGRATIONS = [_m001_chunks, _m002_change_log]  # of chunks.db; append, never edit
KEEP_CHANGES = 10_000  # entries kept in the change log; a reader further behind reloads
#: chunk rows kept in memory between changes of the index: a search reads up to three
#: times its candidates' rows (text and float32 vector), and reading and validating them
#: was 40% of a search over a few hundred chunks
ROW_CACHE = 4096
# id, doc_id, tenant, collection, title, section, text, vector: one row as _LOAD reads it
_Row = tuple[str, str, str, str, str, str, str, bytes]


T = TypeVar("T")


def _objects(values: Iterable[str]) -> np.ndarray:
    return np.array(list(values), dtype=object)


def _return_freed_memory() -> None:
    """Give the heap freed by a bulk load back to the OS (glibc keeps it otherwise)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _chunk(row: Sequence[object]) -> Chunk:
    keys = [c.strip() for c in _COLS.split(",")]
    return Chunk(**dict(zip(keys, row, strict=True)))


class _Codes:
    """Small integers for strings (tenants, collections): scope masks compare integers."""

    def __init__(self) -> None:
        self.of: dict[str, int] = {}

    def code(self, value: str) -> int:
        return self.of.setdefault(value, len(self.of))

    def codes(self, values: Iterable[str]) -> np.ndarray:
        return np.fromiter((self.code(v) for v in values), dtype=np.int32)


class _Readers:
    """Searches share the dense codes; a change to them waits until no search reads them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._reading = 0

    def enter(self) -> None:
        with self._cond:
            self._reading += 1

    def leave(self) -> None:
        with self._cond:
            self._reading -= 1
            if not self._reading:
                self._cond.notify_all()

    @contextmanager
    def changing(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._reading)
            yield


class LocalChunkIndex:
    def __init__(self, path: str | Path, dim: int) -> None:
        self.dir = Path(path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self._db_path = self.dir / "chunks.db"
        self._db = SQLiteFile(self._db_path, MIGRATIONS)
        self._lock = threading.RLock()
        self._readers = _Readers()  # entered under _lock, so no change starts in between
        self._masks: dict[tuple[str, str | None, int], np.ndarray] = {}  # scope -> rows
        self._seq = -1  # the last change-log entry applied in memory; -1: nothing loaded
        self.full_loads = 0
        #: rows read since the index was last at ``_rows_seq`` (any change empties it)
        self._rows: dict[str, tuple[Chunk, bytes]] = {}
        self._rows_seq = -1
        self._catch_up()

    # -- storage -------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        return self._db.conn()

    def _catch_up(self) -> None:
        """Bring memory level with the file: replay new change-log entries, or load afresh."""
        with self._lock:
            conn = self._conn()
            conn.execute("BEGIN")  # one read snapshot for the check and what follows
            try:
                oldest, newest = conn.execute(
                    "SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM changes").fetchone()
                if newest == self._seq:
                    return
                if self._seq < 0 or self._seq < oldest - 1 or newest < self._seq:
                    self._load(conn)
                else:
                    self._replay(conn, self._seq)
                self._seq = int(newest)
                self._masks = {}
            finally:
                conn.execute("COMMIT")

    def _load(self, conn: sqlite3.Connection) -> None:
        self.full_loads += 1
        self._ids: list[str] = []
        self._id_set: set[str] = set()
        self._tenant_codes, self._collection_codes = _Codes(), _Codes()
        self._docs = _objects([])
        self._tenants = np.zeros(0, dtype=np.int32)
        self._collections = np.zeros(0, dtype=np.int32)
        dense = DenseCodes(self.dim)
        self._bm25 = BM25()
        docs, tenants, collections, texts, blobs = [], [], [], [], []
        # Streamed in row order: never all rows (texts and blobs) in memory at once.
        for row in conn.execute(f"{_LOAD} ORDER BY rowid"):
            self._ids.append(row[0])
            docs.append(row[1])
            tenants.append(row[2])
            collections.append(row[3])
            blobs.append(row[7])
            texts.append(embed_text(row[4], row[5], row[6]))
            if len(texts) == 2000:
                self._bm25.add(texts)
                dense.add(np.frombuffer(b"".join(blobs), dtype=np.float32))
                texts, blobs = [], []
        self._bm25.add(texts)
        dense.add(np.frombuffer(b"".join(blobs), dtype=np.float32))
        self._bm25.compact()
        with self._readers.changing():
            self._dense = dense
        self._id_set = set(self._ids)
        self._docs = _objects(docs)
        self._tenants = self._tenant_codes.codes(tenants)
        self._collections = self._collection_codes.codes(collections)
        _return_freed_memory()

    def _replay(self, conn: sqlite3.Connection, after: int) -> None:
        """Apply the change-log entries after ``after`` in order. An added range is read
        as it is now (ids already held are skipped: a row id can be reused after a delete),
        a deleted document is dropped; the result is the file's state."""
        entries = conn.execute("SELECT tenant, doc_id, first_row, last_row FROM changes "
                               "WHERE seq > ? ORDER BY seq", (after,)).fetchall()
        for tenant, doc_id, first, last in entries:
            if first is None:
                self._drop(tenant, doc_id)
                continue
            added = conn.execute(f"{_LOAD} WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
                                 (first, last))
            rows: list[_Row] = [r for r in added if r[0] not in self._id_set]
            self._append(rows)

    def _append(self, rows: Sequence[_Row]) -> None:
        if not rows:
            return
        ids = [r[0] for r in rows]
        self._ids += ids
        self._id_set.update(ids)
        self._docs = np.concatenate([self._docs, _objects(r[1] for r in rows)])
        self._tenants = np.concatenate(
            [self._tenants, self._tenant_codes.codes(r[2] for r in rows)])
        self._collections = np.concatenate(
            [self._collections, self._collection_codes.codes(r[3] for r in rows)])
        with self._readers.changing():
            self._dense.add(np.frombuffer(b"".join(r[7] for r in rows), dtype=np.float32))
        self._bm25.add([embed_text(r[4], r[5], r[6]) for r in rows])

    def _drop(self, tenant: str, doc_id: str) -> None:
        code = self._tenant_codes.of.get(tenant)
        if code is None:
            return
        keep = ~((self._tenants == code) & (self._docs == doc_id))
        if keep.all():
            return
        self._id_set.difference_update(x for x, k in zip(self._ids, keep, strict=True) if not k)
        self._ids = [x for x, k in zip(self._ids, keep, strict=True) if k]
        self._docs = self._docs[keep]
        self._tenants = self._tenants[keep]
        self._collections = self._collections[keep]
        with self._readers.changing():
            self._dense.keep(keep)
        self._bm25.keep(keep)

    def _write(self, statements: Callable[[sqlite3.Connection], T]) -> T:
        """Run statements (which log their change) in one transaction, then catch up."""
        conn = self._conn()
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = statements(conn)
                conn.execute("DELETE FROM changes WHERE seq <= "
                             "(SELECT MAX(seq) FROM changes) - ?", (KEEP_CHANGES,))
                conn.execute("COMMIT")
            except BaseException:
                rollback(conn)
                raise
            self._catch_up()
        return result

    # -- writes ----------------------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        if not chunks:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)

        def insert(conn: sqlite3.Connection) -> None:
            rows: list[int] = []
            for chunk, vec in zip(chunks, vectors, strict=True):
                cur = conn.execute(
                    f"INSERT OR IGNORE INTO chunks ({_COLS}, text_hash, vector) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (chunk.id, chunk.doc_id, chunk.tenant, chunk.collection, chunk.source,
                     chunk.title, chunk.section, chunk.text, chunk.start, chunk.end,
                     chunk.ordinal, text_hash(chunk), vec.tobytes()),
                )
                if cur.rowcount == 1 and cur.lastrowid is not None:
                    rows.append(cur.lastrowid)
            if rows:
                conn.execute("INSERT INTO changes (tenant, doc_id, first_row, last_row) "
                             "VALUES (?,?,?,?)", (chunks[0].tenant, chunks[0].doc_id,
                                                  min(rows), max(rows)))

        self._write(insert)

    def delete_document(self, tenant: str, doc_id: str) -> int:
        def delete(conn: sqlite3.Connection) -> int:
            removed = int(conn.execute(
                "DELETE FROM chunks WHERE tenant=? AND doc_id=?", (tenant, doc_id)).rowcount)
            if removed:
                conn.execute("INSERT INTO changes (tenant, doc_id) VALUES (?,?)", (tenant, doc_id))
            return removed

        removed = self._write(delete)
        checkpoint(self._conn())  # the chunks' text must not live on in the -wal file
        return removed

    # -- reads -----------------------------------------------------------------------------

    def search(self, query: str, vector: np.ndarray, scope: Scope, n: int,
               timings: dict[str, tuple[float, float]] | None = None) -> list[Hit]:
        with self._lock:
            self._catch_up()
            ids, dense, seq = self._ids, self._dense, self._seq
            mask = self._scope_mask(scope)
            t0 = time.time()
            lexical = self._bm25.scores(  # merges added rows lazily: locked
                query, mask, scope_key=(scope.tenant, scope.collection, self._seq))
            self._readers.enter()  # the codes' positions stay put until leave()
        try:
            if not mask.any():
                return []
            lex_top = _top(lexical, np.flatnonzero(lexical > 0), n)
            t1 = time.time()
            dense_top = dense.search(vector, mask, n)
        finally:
            self._readers.leave()
        lex_ids = [ids[p] for p in lex_top]
        dense_ids = [ids[p] for p in dense_top]
        lex_score = {ids[p]: float(lexical[p]) for p in lex_top}
        rows = self._rows_at(seq, list(dict.fromkeys(dense_ids + lex_ids)))
        query_vector = np.asarray(vector, dtype=np.float32)
        cosine = {i: float(np.frombuffer(v, dtype=np.float32) @ query_vector)
                  for i, (_, v) in rows.items()}
        # The codes chose twice the candidates; their exact cosines choose and order n.
        dense_ids = sorted((i for i in dense_ids if i in rows), key=lambda i: -cosine[i])[:n]
        if timings is not None:
            timings["lexical"] = (t0, t1)
            timings["dense"] = (t1, time.time())
        lex_rank = {i: r for r, i in enumerate(lex_ids, 1)}
        dense_rank = {i: r for r, i in enumerate(dense_ids, 1)}
        hits = []
        for i in dict.fromkeys(dense_ids + lex_ids):
            if i not in rows:  # deleted by another process between reads
                continue
            hits.append(Hit(chunk=rows[i][0], lexical=lex_score.get(i, 0.0), dense=cosine[i],
                            lexical_rank=lex_rank.get(i), dense_rank=dense_rank.get(i)))
        return hits

    def _scope_mask(self, scope: Scope) -> np.ndarray:
        """The rows inside scope, computed once per change (held for a few scopes)."""
        key = (scope.tenant, scope.collection, self._seq)
        mask = self._masks.get(key)
        if mask is None:
            if len(self._masks) >= 16:
                self._masks.pop(next(iter(self._masks)))
            mask = self._masks[key] = self._new_scope_mask(scope)
        return mask

    def _new_scope_mask(self, scope: Scope) -> np.ndarray:
        tenant = self._tenant_codes.of.get(scope.tenant, -1)
        mask = self._tenants == tenant
        if scope.collection is not None:
            mask &= self._collections == self._collection_codes.of.get(scope.collection, -1)
        return mask

    def _rows_at(self, seq: int, chunk_ids: list[str]) -> dict[str, tuple[Chunk, bytes]]:
        """``_fetch`` through the row cache of the index as it was at change ``seq``."""
        if self._rows_seq != seq:  # a change may have removed or replaced rows
            self._rows, self._rows_seq = {}, seq
        cache = self._rows
        found = {i: cache[i] for i in chunk_ids if i in cache}
        if len(found) < len(chunk_ids):
            fetched = self._fetch([i for i in chunk_ids if i not in found])
            if len(cache) + len(fetched) > ROW_CACHE:
                cache.clear()
            cache.update(fetched)
            found.update(fetched)
        return found

    def _fetch(self, chunk_ids: Sequence[str]) -> dict[str, tuple[Chunk, bytes]]:
        """The chunks with these ids, each with its float32 vector as stored."""
        out: dict[str, tuple[Chunk, bytes]] = {}
        for i in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[i:i + 500])
            marks = ",".join("?" * len(part))
            for row in self._conn().execute(
                f"SELECT {_COLS}, vector FROM chunks WHERE id IN ({marks})", part
            ):
                out[row[0]] = (_chunk(row[:-1]), row[-1])
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
            self._catch_up()
            if tenant is None:
                return len(self._ids)
            return int((self._tenants == self._tenant_codes.of.get(tenant, -1)).sum())

    def close(self) -> None:
        self._db.close()


def _top(scores: np.ndarray, candidates: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n best scores among candidates, best first."""
    sub = scores[candidates]
    if len(sub) > n:
        part = np.argpartition(-sub, n - 1)[:n]
        candidates, sub = candidates[part], sub[part]
    return candidates[np.argsort(-sub, kind="stable")]
