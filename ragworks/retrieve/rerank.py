"""Re-scoring fused candidates by their best sentence (a second, finer look).

A chunk embedding averages every sentence in it; a chunk whose one sentence
answers the question can rank below a chunk that is vaguely about the topic.
The reranker embeds the sentences of the top candidates and mixes the best
sentence's cosine into the fused score:

    score = (1 - weight) * fused + weight * minmax(best sentence cosine)

(``fused`` is already min-max scaled over the candidate pool by the fusion.)

Sentence vectors are cached by text, so a chunk's sentences are embedded once
per process. No extra model: the same embedder as retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ragworks.embed import Embedder
from ragworks.embed.cache import VectorCache
from ragworks.models import Hit
from ragworks.text import minmax

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str, min_words: int = 3) -> list[str]:
    parts = [p.strip() for p in _SENTENCE.split(text) if p.strip()]
    kept = [p for p in parts if len(p.split()) >= min_words]
    return kept or [text.strip()]


class SentenceReranker:
    def __init__(self, embedder: Embedder | VectorCache, weight: float = 0.5,
                 candidates: int = 15) -> None:
        self.vectors = embedder if isinstance(embedder, VectorCache) else VectorCache(embedder)
        self.weight, self.candidates = weight, candidates

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        return self.vectors.vectors(texts)
    def rerank(self, query_vector: np.ndarray, hits: Sequence[Hit]) -> list[Hit]:
        """The first ``candidates`` hits re-ordered (the rest follow unchanged)."""
        head, tail = list(hits[: self.candidates]), list(hits[self.candidates:])
        if len(head) < 2:
            return list(hits)
        per_hit = [sentences(h.chunk.text) for h in head]
        flat = [s for group in per_hit for s in group]
        sims = self._vectors(flat) @ np.asarray(query_vector, dtype=np.float32)
        best, i = [], 0
        for group in per_hit:
            best.append(float(sims[i: i + len(group)].max()))
            i += len(group)
        fused = [h.fused for h in head]  # already 0..1 over the candidate pool
        sent = minmax(best)
        w = self.weight
        scored = [h.model_copy(update={"fused": round((1 - w) * f + w * s, 6)})
                  for h, f, s in zip(head, fused, sent, strict=True)]
        scored.sort(key=lambda h: (-h.fused, h.chunk.id))
        return scored + tail
