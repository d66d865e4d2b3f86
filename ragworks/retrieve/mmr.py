"""Maximal marginal relevance: relevant *and* diverse hits, for summaries.

Similarity between chunks is word-set overlap (Jaccard) plus a same-document
term, so no vectors are needed and several documents get a say.
"""

from __future__ import annotations

from collections.abc import Sequence

from ragworks.models import Hit
from ragworks.text import tokenize


def _similarity(a: set[str], b: set[str], same_doc: bool) -> float:
    jaccard = len(a & b) / len(a | b) if a and b else 0.0
    return min(1.0, jaccard + (0.3 if same_doc else 0.0))


def mmr(hits: Sequence[Hit], k: int, lambda_: float = 0.6) -> list[Hit]:
    if len(hits) <= 1:
        return list(hits)[:k]
    top = max(h.fused for h in hits) or 1.0
    words = [set(tokenize(h.chunk.text)) for h in hits]
    chosen: list[int] = []
    left = list(range(len(hits)))
    while left and len(chosen) < k:
        def gain(i: int) -> float:
            redundancy = max(
                (_similarity(words[i], words[j], hits[i].chunk.doc_id == hits[j].chunk.doc_id)
                 for j in chosen), default=0.0)
            return lambda_ * hits[i].fused / top - (1 - lambda_) * redundancy
        best = max(left, key=gain)
        chosen.append(best)
        left.remove(best)
    return [hits[i] for i in chosen]
