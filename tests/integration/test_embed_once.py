"""A question is embedded once per request, whichever stages need its vector (classifier,
retriever, reranker, extractive answerer)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ragworks.models import Scope
from ragworks.services import Services
from tests.conftest import CORPUS, make_settings


class Counting:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.seen = inner, Counter()
        self.name, self.dim = inner.name, inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.update(texts)
        return self.inner.embed(texts)


def test_the_question_is_embedded_once(tmp_path: Path) -> None:
    svc = Services(make_settings(tmp_path, rerank=True))
    counting = Counting(svc.embedder)
    svc.__dict__["embedder"] = counting  # every stage built from here on embeds through it
    svc.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(), "error-codes.txt", "default")
    question = "What does error E102 mean on the robot vacuum?"
    answer = svc.pipeline.run(question, Scope(tenant="default"), include_hits=True)
    assert answer.hits and answer.covered
    assert counting.seen[question] == 1
    svc.close()
