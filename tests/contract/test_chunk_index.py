"""ChunkIndex contract: the same tests on the embedded index and on PostgreSQL + pgvector."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.index import ChunkIndex, open_chunk_index
from ragworks.models import Scope
from ragworks.testing.chunk_index import ChunkIndexContract


class TestChunkIndex(ChunkIndexContract):
    @pytest.fixture(params=["local", "postgres"])
    def index(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChunkIndex]:
        if request.param == "local":
            idx = open_chunk_index(f"local://{tmp_path}/index", dim=8)
        else:
            from ragworks.index.pgvector import PgChunkIndex

            idx = PgChunkIndex(request.getfixturevalue("postgres"), dim=8,
                               table=f"t_{secrets.token_hex(4)}")
        yield idx
        idx.close()


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
