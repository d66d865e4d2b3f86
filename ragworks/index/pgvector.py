"""Chunk index on PostgreSQL with pgvector: full-text and vector search in one query.

    PgChunkIndex("postgresql://user@host/db", dim=384)

- The table keeps each chunk's text, metadata, embedding (``vector(dim)``, HNSW index,
  cosine) and a generated ``tsvector`` (GIN index) of title, section and text.
- ``search`` runs one SQL statement: the dense top n (HNSW, with pgvector 0.8's
  iterative scan so a tenant filter still yields n rows), the lexical top n
  (``ts_rank_cd`` over an OR of the query's terms, like BM25's any-term match), their
  union with both scores and ranks, and the same convex fusion the retriever applies
  (min-max of each arm, weight on dense), so the database can rank without Python.
- Tenant and collection are bound parameters, never formatted into SQL.
Lexical scores are ts_rank_cd, not BM25: on another scale, which the fusion's min-max
normalisation absorbs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from ragworks.models import Chunk, Hit, Scope
from ragworks.text import text_hash

_COLS = "id, doc_id, tenant, collection, source, title, section, text, start_char, " \
        "end_char, ordinal"

_SEARCH = """
WITH q AS (
  SELECT CASE WHEN numnode(plainto_tsquery('english', %(q)s)) = 0 THEN NULL
         ELSE replace(plainto_tsquery('english', %(q)s)::text, '&', '|')::tsquery END AS tsq
), dense AS (
  SELECT id, row_number() OVER () AS rank FROM (
    SELECT id FROM {table}
    WHERE tenant = %(tenant)s AND (%(collection)s::text IS NULL OR collection = %(collection)s)
    ORDER BY embedding <=> %(v)s LIMIT %(n)s) d
), lexical AS (
  SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank FROM (
    SELECT c.id, ts_rank_cd(c.tsv, q.tsq) AS score FROM {table} c, q
    WHERE q.tsq IS NOT NULL AND c.tsv @@ q.tsq AND c.tenant = %(tenant)s
      AND (%(collection)s::text IS NULL OR c.collection = %(collection)s)
    ORDER BY score DESC, c.id LIMIT %(n)s) l
), hits AS (
  SELECT c.*, coalesce(ts_rank_cd(c.tsv, q.tsq), 0) AS lexical,
         1 - (c.embedding <=> %(v)s) AS dense, lexical.rank AS lexical_rank,
         dense.rank AS dense_rank
  FROM {table} c CROSS JOIN q
  LEFT JOIN dense ON dense.id = c.id LEFT JOIN lexical ON lexical.id = c.id
  WHERE c.id IN (SELECT id FROM dense UNION SELECT id FROM lexical)
)
SELECT {cols}, lexical, dense, lexical_rank, dense_rank,
  %(w)s * coalesce((dense - min(dense) OVER ())
                   / nullif(max(dense) OVER () - min(dense) OVER (), 0), 1)
  + (1 - %(w)s) * coalesce((lexical - min(lexical) OVER ())
                           / nullif(max(lexical) OVER () - min(lexical) OVER (), 0),
                           CASE WHEN max(lexical) OVER () > 0 THEN 1 ELSE 0 END) AS fused
FROM hits ORDER BY fused DESC, id
"""


class PgChunkIndex:
    def __init__(self, dsn: str, dim: int, table: str = "rw_chunks",
                 dense_weight: float = 0.7) -> None:
        if not table.isidentifier():
            raise ValueError(f"bad table name {table!r}")
        self.dsn, self.dim, self.table, self.dense_weight = dsn, dim, table, dense_weight
        self._local = threading.local()
        self._migrate()

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            import psycopg
            from pgvector.psycopg import register_vector

            conn = psycopg.connect(self.dsn, autocommit=True)
            register_vector(conn)
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
            self._local.conn = conn
        return conn

    def _migrate(self) -> None:
        import psycopg

        t = self.table
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {t} (id text PRIMARY KEY, doc_id text NOT NULL, "
                "tenant text NOT NULL, collection text NOT NULL, source text NOT NULL, "
                "title text NOT NULL, section text NOT NULL, text text NOT NULL, "
                "start_char int NOT NULL, end_char int NOT NULL, ordinal int NOT NULL, "
                f"text_hash text NOT NULL, embedding vector({self.dim}) NOT NULL, "
                "tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', "
                "title || ' ' || section || ' ' || text)) STORED)")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {t}_hnsw ON {t} "
                         "USING hnsw (embedding vector_cosine_ops)")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {t}_tsv ON {t} USING gin (tsv)")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {t}_scope ON {t} (tenant, collection)")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {t}_doc ON {t} (tenant, doc_id)")
            conn.execute(f"CREATE INDEX IF NOT EXISTS {t}_hash ON {t} (text_hash)")

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        rows = [(c.id, c.doc_id, c.tenant, c.collection, c.source, c.title, c.section, c.text,
                 c.start, c.end, c.ordinal, text_hash(c), np.asarray(v, dtype=np.float32))
                for c, v in zip(chunks, vectors, strict=True)]
        with self._conn().transaction(), self._conn().cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self.table} ({_COLS}, text_hash, embedding) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO NOTHING",
                rows)

    def delete_document(self, tenant: str, doc_id: str) -> int:
        cur = self._conn().execute(f"DELETE FROM {self.table} WHERE tenant=%s AND doc_id=%s",
                                   (tenant, doc_id))
        return int(cur.rowcount)

    def search(self, query: str, vector: np.ndarray, scope: Scope, n: int,
               timings: dict[str, tuple[float, float]] | None = None,
               dense_weight: float | None = None) -> list[Hit]:
        import time

        t0 = time.time()
        rows = self._conn().execute(
            _SEARCH.format(table=self.table, cols=_COLS),
            {"q": query, "v": np.asarray(vector, dtype=np.float32), "tenant": scope.tenant,
             "collection": scope.collection, "n": n,
             "w": self.dense_weight if dense_weight is None else dense_weight}).fetchall()
        if timings is not None:  # one statement serves both arms
            timings["lexical"] = timings["dense"] = (t0, time.time())
        return [Hit(chunk=_chunk(r), lexical=float(r[11]), dense=float(r[12]),
                    lexical_rank=r[13], dense_rank=r[14], fused=round(float(r[15]), 6))
                for r in rows]

    def chunks_of(self, tenant: str, doc_id: str) -> list[Chunk]:
        rows = self._conn().execute(
            f"SELECT {_COLS} FROM {self.table} WHERE tenant=%s AND doc_id=%s ORDER BY ordinal",
            (tenant, doc_id)).fetchall()
        return [_chunk(r) for r in rows]

    def cached_vectors(self, tenant: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        if not text_hashes:
            return {}
        rows = self._conn().execute(
            f"SELECT DISTINCT ON (text_hash) text_hash, embedding FROM {self.table} "
            "WHERE tenant = %s AND text_hash = ANY(%s)", (tenant, list(text_hashes))).fetchall()
        return {h: np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v, dtype=np.float32)
                for h, v in rows}

    def count(self, tenant: str | None = None) -> int:
        if tenant is None:
            return int(self._conn().execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])
        return int(self._conn().execute(f"SELECT count(*) FROM {self.table} WHERE tenant=%s",
                                        (tenant,)).fetchone()[0])

    def check(self) -> dict[str, Any]:
        """For `ragworks doctor`: server version and the pgvector extension."""
        conn = self._conn()
        version = conn.execute("SHOW server_version").fetchone()[0]
        ext = conn.execute("SELECT extversion FROM pg_extension WHERE extname='vector'"
                           ).fetchone()
        return {"server_version": version, "pgvector": ext[0] if ext else None}

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()


def _chunk(row: Sequence[Any]) -> Chunk:
    return Chunk(id=row[0], doc_id=row[1], tenant=row[2], collection=row[3], source=row[4],
                 title=row[5], section=row[6], text=row[7], start=row[8], end=row[9],
                 ordinal=row[10])
