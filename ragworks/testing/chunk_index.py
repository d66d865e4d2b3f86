"""The ChunkIndex contract: every backend of ``ChunkIndex`` passes these tests.

A backend of your own runs them by subclassing and giving the ``index`` fixture::

    class TestMyBackend(ChunkIndexContract):
        @pytest.fixture
        def index(self, tmp_path):
            yield MyBackend(tmp_path)
"""

from __future__ import annotations

import numpy as np
import pytest

from ragworks.index import ChunkIndex
from ragworks.models import Chunk, Scope

TEXTS = ["Guest Wi-Fi codes are valid for 24 hours after reception prints them.",
         "Error E102 means a wheel is blocked; remove the obstacle and press resume.",
         "Full-time employees get 25 paid vacation days per year.",
         "Charge robot batteries between 20 and 80 percent to extend their life.",
         "The travel policy covers economy flights for trips under six hours."]


def make_chunks(tenant: str, collection: str, doc: str) -> list[Chunk]:
    return [Chunk(id=f"{tenant}-{doc}-{i}", doc_id=doc, tenant=tenant, collection=collection,
                  source=f"{doc}.txt", title=doc, section="", text=t, start=0, end=len(t),
                  ordinal=i) for i, t in enumerate(TEXTS)]


def make_vectors(n: int, dim: int = 8) -> np.ndarray:
    v = np.eye(n, dim, dtype=np.float32) + 0.05
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class ChunkIndexContract:
    """Tests of any ChunkIndex; subclasses provide the ``index`` fixture."""

    def test_add_is_idempotent_and_counts_per_tenant(self, index: ChunkIndex) -> None:
        index.add(make_chunks("a", "docs", "d1"), make_vectors(5))
        index.add(make_chunks("a", "docs", "d1"), make_vectors(5))
        index.add(make_chunks("b", "docs", "d1"), make_vectors(5))
        assert (index.count(), index.count("a"), index.count("nobody")) == (10, 5, 0)
        assert [c.ordinal for c in index.chunks_of("a", "d1")] == [0, 1, 2, 3, 4]
        assert index.chunks_of("a", "nope") == []
        index.add([], np.zeros((0, 8), dtype=np.float32))

    def test_search_gives_both_arms_within_scope(self, index: ChunkIndex) -> None:
        index.add(make_chunks("a", "docs", "d1"), make_vectors(5))
        index.add(make_chunks("a", "other", "d2"), make_vectors(5))
        index.add(make_chunks("b", "docs", "d3"), make_vectors(5))
        query_vec = make_vectors(5)[1]
        hits = index.search("what does error E102 mean", query_vec, Scope(tenant="a"), n=3)
        assert {h.chunk.tenant for h in hits} == {"a"}
        assert len({h.chunk.id for h in hits}) == len(hits)
        top_dense = min((h for h in hits if h.dense_rank), key=lambda h: h.dense_rank or 99)
        assert top_dense.chunk.ordinal == 1 and top_dense.dense == pytest.approx(1.0, abs=1e-3)
        lexical = [h for h in hits if h.lexical_rank]
        assert lexical and lexical[0].chunk.ordinal == 1 and lexical[0].lexical > 0
        assert all(h.dense_rank or h.lexical_rank for h in hits)
        assert sum(h.dense_rank is not None for h in hits) == 3  # dense top n
        scoped = index.search("E102", query_vec, Scope(tenant="a", collection="other"), n=3)
        assert {h.chunk.collection for h in scoped} == {"other"}
        assert index.search("E102", query_vec, Scope(tenant="zzz"), n=3) == []
        # a query no chunk shares a word with: the dense arm still answers
        only_dense = index.search("qqqq zzzz", query_vec, Scope(tenant="b"), n=2)
        assert len(only_dense) == 2 and all(h.lexical_rank is None for h in only_dense)

    def test_delete_document_and_cached_vectors(self, index: ChunkIndex) -> None:
        from ragworks.text import text_hash

        chunks = make_chunks("a", "docs", "d1")
        index.add(chunks, make_vectors(5))
        cached = index.cached_vectors("a", [text_hash(chunks[2]), "unknown"])
        assert list(cached) == [text_hash(chunks[2])]
        assert np.allclose(cached[text_hash(chunks[2])], make_vectors(5)[2], atol=1e-6)
        # another tenant's chunks are never a cache hit (a hit would tell what they hold)
        assert index.cached_vectors("b", [text_hash(chunks[2])]) == {}
        assert index.delete_document("a", "d1") == 5
        assert index.delete_document("a", "d1") == 0
        assert index.count("a") == 0
        assert index.search("E102", make_vectors(5)[1], Scope(tenant="a"), n=3) == []
