"""Chunk indexes: lexical (BM25) and dense (cosine) search over chunks, scoped by tenant.

    index = open_chunk_index("local:///data/index", dim=384)
"""

from __future__ import annotations

from ragworks.index.local import LocalChunkIndex
from ragworks.index.protocol import ChunkIndex


def open_chunk_index(spec: str, dim: int) -> ChunkIndex:
    if spec.startswith("local://"):
        return LocalChunkIndex(spec.removeprefix("local://"), dim=dim)
    if spec.startswith(("postgresql://", "postgres://")):
        from ragworks.index.pgvector import PgChunkIndex

        return PgChunkIndex(spec, dim=dim)
    raise ValueError(f"unknown chunk index spec {spec!r} "
                     "(expected local://PATH or postgresql://...)")


__all__ = ["ChunkIndex", "LocalChunkIndex", "open_chunk_index"]
