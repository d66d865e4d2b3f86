"""ChunkIndex contract: the same tests on the embedded index and on PostgreSQL + pgvector."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ragworks.index import ChunkIndex, open_chunk_index
from ragworks.models import Chunk, Scope

TEXTS = ["Guest Wi-Fi codes are valid for 24 hours after reception prints them.",
         "Error E102 means a wheel is blocked; remove the obstacle and press resume.",
         "Full-time employees get 25 paid vacation days per year.",
         "Charge robot batteries between 20 and 80 percent to extend their life.",
         "The travel policy covers economy flights for trips under six hours."]


def _chunks(tenant: str, collection: str, doc: str) -> list[Chunk]:
    return [Chunk(id=f"{tenant}-{doc}-{i}", doc_id=doc, tenant=tenant, collection=collection,
                  source=f"{doc}.txt", title=doc, section="", text=t, start=0, end=len(t),
                  ordinal=i) for i, t in enumerate(TEXTS)]


def _vectors(n: int, dim: int = 8) -> np.ndarray:
    v = np.eye(n, dim, dtype=np.float32) + 0.05
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture(params=["local", "postgres"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChunkIndex]:
    if request.param == "local":
        idx = open_chunk_index(f"local://{tmp_path}/index", dim=8)
    else:
        from ragworks.index.pgvector import PgChunkIndex

        idx = PgChunkIndex(request.getfixturevalue("postgres"), dim=8,
                           table=f"t_{secrets.token_hex(4)}")
    yield idx
    idx.close()


def test_add_is_idempotent_and_counts_per_tenant(index: ChunkIndex) -> None:
    index.add(_chunks("a", "docs", "d1"), _vectors(5))
    index.add(_chunks("a", "docs", "d1"), _vectors(5))
    index.add(_chunks("b", "docs", "d1"), _vectors(5))
    assert (index.count(), index.count("a"), index.count("nobody")) == (10, 5, 0)
    assert [c.ordinal for c in index.chunks_of("a", "d1")] == [0, 1, 2, 3, 4]
    assert index.chunks_of("a", "nope") == []
    index.add([], np.zeros((0, 8), dtype=np.float32))


def test_search_gives_both_arms_within_scope(index: ChunkIndex) -> None:
    index.add(_chunks("a", "docs", "d1"), _vectors(5))
    index.add(_chunks("a", "other", "d2"), _vectors(5))
    index.add(_chunks("b", "docs", "d3"), _vectors(5))
    query_vec = _vectors(5)[1]
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


def test_delete_document_and_cached_vectors(index: ChunkIndex) -> None:
    from ragworks.index.local import text_hash

    chunks = _chunks("a", "docs", "d1")
    index.add(chunks, _vectors(5))
    cached = index.cached_vectors("a", [text_hash(chunks[2]), "unknown"])
    assert list(cached) == [text_hash(chunks[2])]
    assert np.allclose(cached[text_hash(chunks[2])], _vectors(5)[2], atol=1e-6)
    # another tenant's chunks are never a cache hit (a hit would tell what they hold)
    assert index.cached_vectors("b", [text_hash(chunks[2])]) == {}
    assert index.delete_document("a", "d1") == 5
    assert index.delete_document("a", "d1") == 0
    assert index.count("a") == 0
    assert index.search("E102", _vectors(5)[1], Scope(tenant="a"), n=3) == []


def test_postgres_retrieval_matches_the_embedded_index(postgres: str, tmp_path: Path) -> None:
    """The sample corpus and golden questions on both backends: the same quality."""
    from ragworks.evaluate.retrieval import evaluate_retrieval, load_dataset
    from ragworks.services import Services
    from tests.conftest import CORPUS, ROOT, make_settings

    scores = {}
    for name, spec in (("local", ""), ("postgres", postgres)):
        svc = Services(make_settings(tmp_path / name, chunk_index=spec))
        try:
            for f in sorted(CORPUS.iterdir()):
                svc.ingestor.ingest(f.read_bytes(), f.name, "default")
            items = [i for i in load_dataset(ROOT / "evals" / "sample_qa.jsonl")
                     if i.relevant_sources]

            def search(q: str, s: Services = svc) -> list:
                return s.retriever.search(q, Scope(tenant="default"), 10)

            report = evaluate_retrieval(items, search, name)
            scores[name] = (report.recall_at_5, report.mrr_at_10)
        finally:
            svc.close()
    assert scores["postgres"][0] >= scores["local"][0] - 0.03, scores
    assert scores["postgres"][1] >= scores["local"][1] - 0.05, scores
