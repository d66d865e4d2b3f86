"""Hybrid retrieval over a chunk index: embed the query, search both arms, fuse."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ragworks.embed import Embedder
from ragworks.index.protocol import ChunkIndex
from ragworks.models import Hit, Plan, Scope
from ragworks.observe.recorder import TraceRecorder
from ragworks.retrieve.fusion import fuse
from ragworks.retrieve.mmr import mmr
from ragworks.retrieve.rerank import SentenceReranker


class HybridRetriever:
    """Example::

        retriever = HybridRetriever(index, embedder, dense_weight=0.6)
        hits = retriever.retrieve("how do I reset my VPN token?", Scope(tenant="acme"), plan)
    """

    def __init__(self, index: ChunkIndex, embedder: Embedder, dense_weight: float = 0.6,
                 method: str = "convex", reranker: SentenceReranker | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.method = method
        self.reranker = reranker

    def search(self, query: str, scope: Scope, k: int, candidates: int = 30,
               dense_weight: float | None = None,
               trace: TraceRecorder | None = None) -> list[Hit]:
        t0 = time.time()
        vector = self.embedder.embed([query])[0]
        t1 = time.time()
        timings: dict[str, tuple[float, float]] = {}
        hits = self.index.search(query, vector, scope, n=max(candidates, k), timings=timings)
        w = self.dense_weight if dense_weight is None else dense_weight
        t2 = time.time()
        fused = fuse(hits, w, self.method)[: max(candidates, k)]
        if trace is not None:
            if trace.trace.query_vector is None:  # the first search of the query (for drift)
                trace.trace.query_vector = vector
            trace.record("embed_query", t0, t1, metadata={"model": self.embedder.name})
            for arm, (start, end) in timings.items():
                trace.record(arm, start, end, output={"candidates": sum(
                    (h.lexical_rank if arm == "lexical" else h.dense_rank) is not None
                    for h in hits)})
            trace.record("fusion", t2, time.time(),
                         metadata={"method": self.method, "dense_weight": w},
                         output=[{"source": h.chunk.source, "fused": h.fused}
                                 for h in fused[:k]])
        if self.reranker is not None:
            t3 = time.time()
            fused = self.reranker.rerank(vector, fused)
            if trace is not None:
                trace.record("rerank", t3, time.time(),
                             metadata={"weight": self.reranker.weight,
                                       "candidates": self.reranker.candidates},
                             output=[{"source": h.chunk.source, "score": h.fused}
                                     for h in fused[:k]])
        return fused

    def retrieve(self, query: str, scope: Scope, plan: Plan,
                 dense_weight: float | None = None,
                 trace: TraceRecorder | None = None) -> list[Hit]:
        if plan.mode == "none":
            return []
        if plan.decompose and plan.sub_questions:
            return self._multi(plan.sub_questions, query, scope, plan, dense_weight, trace)
        hits = self.search(query, scope, plan.top_k, plan.candidates, dense_weight, trace)
        if not plan.mmr:
            return hits[: plan.top_k]
        t0 = time.time()
        diverse = mmr(hits, plan.top_k)
        if trace is not None:
            trace.record("mmr", t0, time.time(), metadata={"k": plan.top_k})
        return diverse

    def _multi(self, subs: Sequence[str], query: str, scope: Scope, plan: Plan,
               dense_weight: float | None, trace: TraceRecorder | None) -> list[Hit]:
        """Retrieve per sub-question and interleave, so each part gets evidence."""
        per = max(2, plan.top_k // max(len(subs), 1) + 1)
        lists = []
        for q in (*subs, query):
            if trace is None:
                lists.append(self.search(q, scope, per, plan.candidates, dense_weight))
                continue
            with trace.span("sub_question", input=q):
                lists.append(self.search(q, scope, per, plan.candidates, dense_weight, trace))
        merged: dict[str, Hit] = {}
        for rank in range(max(len(x) for x in lists)):
            for hits in lists:
                if rank < len(hits) and hits[rank].chunk.id not in merged:
                    merged[hits[rank].chunk.id] = hits[rank]
        return list(merged.values())[: plan.top_k]
