"""Fusing the lexical and dense arms into one ranking.

``convex`` (the default): ``w * dense_norm + (1 - w) * lexical_norm`` with
min-max normalisation over the candidate set. With w=1 it ranks exactly as
dense retrieval, with w=0 as BM25, so a weight chosen on data can never do
worse than the better arm on that data. ``rrf`` is weighted reciprocal-rank
fusion, kept for comparison (plain RRF loses to a strong dense arm).
"""

from __future__ import annotations

from collections.abc import Sequence

from ragworks.models import Hit
from ragworks.text import minmax


def fuse(hits: Sequence[Hit], dense_weight: float, method: str = "convex",
         rrf_k: int = 60) -> list[Hit]:
    """Hits with ``fused`` set, best first."""
    if not hits:
        return []
    w = dense_weight
    if method == "convex":
        dense = minmax([h.dense for h in hits])
        lex = minmax([max(h.lexical, 0.0) for h in hits])
        scores = [w * d + (1 - w) * x for d, x in zip(dense, lex, strict=True)]
    elif method == "rrf":
        scores = [
            (w / (rrf_k + h.dense_rank) if h.dense_rank else 0.0)
            + ((1 - w) / (rrf_k + h.lexical_rank) if h.lexical_rank else 0.0)
            for h in hits
        ]
    else:
        raise ValueError(f"unknown fusion method {method!r}")
    fused = [h.model_copy(update={"fused": round(s, 6)}) for h, s in zip(hits, scores, strict=True)]
    # Ties (e.g. w=1 and equal cosines) break on the other arm, then on id for stability.
    return sorted(fused, key=lambda h: (-h.fused, -h.dense, -h.lexical, h.chunk.id))
