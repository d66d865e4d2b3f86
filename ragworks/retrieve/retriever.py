"""Hybrid retrieval over a chunk index: embed the query, search both arms, fuse."""

from __future__ import annotations

from collections.abc import Sequence

from ragworks.embed import Embedder
from ragworks.index.protocol import ChunkIndex
from ragworks.models import Hit, Plan, Scope
from ragworks.retrieve.fusion import fuse
from ragworks.retrieve.mmr import mmr


class HybridRetriever:
    """Example::

        retriever = HybridRetriever(index, embedder, dense_weight=0.6)
        hits = retriever.retrieve("how do I reset my VPN token?", Scope(tenant="acme"), plan)
    """

    def __init__(self, index: ChunkIndex, embedder: Embedder, dense_weight: float = 0.6,
                 method: str = "convex") -> None:
        self.index = index
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.method = method

    def search(self, query: str, scope: Scope, k: int, candidates: int = 30,
               dense_weight: float | None = None) -> list[Hit]:
        vector = self.embedder.embed([query])[0]
        hits = self.index.search(query, vector, scope, n=max(candidates, k))
        w = self.dense_weight if dense_weight is None else dense_weight
        return fuse(hits, w, self.method)[: max(candidates, k)]

    def retrieve(self, query: str, scope: Scope, plan: Plan,
                 dense_weight: float | None = None) -> list[Hit]:
        if plan.mode == "none":
            return []
        if plan.decompose and plan.sub_questions:
            return self._multi(plan.sub_questions, query, scope, plan, dense_weight)
        hits = self.search(query, scope, plan.top_k, plan.candidates, dense_weight)
        return mmr(hits, plan.top_k) if plan.mmr else hits[: plan.top_k]

    def _multi(self, subs: Sequence[str], query: str, scope: Scope, plan: Plan,
               dense_weight: float | None) -> list[Hit]:
        """Retrieve per sub-question and interleave, so each part gets evidence."""
        per = max(2, plan.top_k // max(len(subs), 1) + 1)
        lists = [self.search(q, scope, per, plan.candidates, dense_weight)
                 for q in (*subs, query)]
        merged: dict[str, Hit] = {}
        for rank in range(max(len(x) for x in lists)):
            for hits in lists:
                if rank < len(hits) and hits[rank].chunk.id not in merged:
                    merged[hits[rank].chunk.id] = hits[rank]
        return list(merged.values())[: plan.top_k]
