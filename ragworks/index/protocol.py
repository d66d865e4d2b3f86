"""The chunk index boundary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ragworks.models import Chunk, Hit, Scope


class ChunkIndex(Protocol):
    """Chunks with their vectors, searchable lexically and densely within a scope.

    - ``add`` is idempotent per chunk id and durable when it returns.
    - ``search`` returns the union of the lexical top ``n`` and the dense top ``n``
      inside ``scope`` (never a chunk of another tenant, or of another collection
      when one is given). Every hit carries both its lexical score (BM25) and its
      dense score (cosine), and its rank in each arm (None when outside the top n).
    - ``delete_document`` removes every chunk of the document from both arms.
    """

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...

    def delete_document(self, tenant: str, doc_id: str) -> int: ...

    def search(self, query: str, vector: np.ndarray, scope: Scope, n: int,
               timings: dict[str, tuple[float, float]] | None = None) -> list[Hit]:
        """When ``timings`` is given, it receives (start, end) epoch seconds of the
        "lexical" and "dense" arms, for tracing."""
        ...

    def chunks_of(self, tenant: str, doc_id: str) -> list[Chunk]: ...

    def cached_vectors(self, tenant: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors already stored for this tenant's chunks with these text hashes (to skip
        re-embedding). Never another tenant's: what is cached would tell what they hold."""
        ...

    def count(self, tenant: str | None = None) -> int: ...

    def close(self) -> None: ...
