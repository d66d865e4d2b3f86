"""The request path: classify -> plan -> retrieve -> generate -> answer + citations.

Wires the stages; does no I/O of its own. ``run`` returns an Answer; ``stream``
yields ("token", text) events and finally ("answer", Answer).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from ragworks.classify.model import QueryClassifier
from ragworks.errors import BackendError
from ragworks.generate import Answerer, Usage
from ragworks.generate.citations import attribute, citations_for, supported_share
from ragworks.generate.extractive import ExtractiveAnswerer
from ragworks.models import Answer, Hit, Plan, Scope
from ragworks.retrieve.retriever import HybridRetriever
from ragworks.route.planner import Planner

NOT_COVERED = "The documents do not cover this question."


@dataclass
class QueryPipeline:
    classifier: QueryClassifier
    planner: Planner
    retriever: HybridRetriever
    answerer: Answerer
    min_relevance: float = 0.32
    fallback: Answerer | None = None
    #: a model answer with a smaller share of words found in the retrieved text is
    #: replaced by the fallback's (small local models invent facts).
    min_support: float = 0.65

    def run(self, question: str, scope: Scope, include_hits: bool = False) -> Answer:
        answer: Answer | None = None
        for kind, value in self.stream(question, scope, include_hits):
            if kind == "answer":
                answer = value  # type: ignore[assignment]
        assert answer is not None
        return answer

    def stream(self, question: str, scope: Scope,
               include_hits: bool = False) -> Iterator[tuple[str, object]]:
        started = time.perf_counter()
        stage: dict[str, float] = {}

        def lap(name: str, t0: float) -> float:
            now = time.perf_counter()
            stage[name] = round((now - t0) * 1000, 2)
            return now

        t = time.perf_counter()
        category, confidence = self.classifier.predict(question)
        t = lap("classify", t)
        plan = self.planner.plan(question, category, confidence)
        t = lap("plan", t)
        hits = self.retriever.retrieve(question, scope, plan)
        t = lap("retrieve", t)
        covered = self._covered(plan, hits)
        usage = Usage()
        model = self.answerer.name
        if not covered:
            text = NOT_COVERED
            yield "token", text
        else:
            pieces: list[str] = []
            try:
                for piece in self.answerer.answer(question, hits, plan, usage):
                    pieces.append(piece)
                    yield "token", piece
            except BackendError:
                if self.fallback is None or pieces:
                    raise
                model = self.fallback.name
                for piece in self.fallback.answer(question, hits, plan, usage):
                    pieces.append(piece)
                    yield "token", piece
            text = "".join(pieces).strip()
            ungrounded = plan.mode != "none" and supported_share(text, hits) < self.min_support
            if self.fallback is not None and (not text or ungrounded):
                model = f"{self.fallback.name} (replaced {'ungrounded' if text else 'empty'} "\
                        f"answer of {model})"
                text = "".join(self.fallback.answer(question, hits, plan, Usage())).strip()
        t = lap("generate", t)
        cited_hits = hits if covered else []
        text, citations = citations_for(attribute(text, cited_hits), cited_hits)
        yield "answer", Answer(
            answer=text, citations=citations, category=category,
            confidence=round(confidence, 4), plan=plan, covered=covered,
            latency_ms=round((time.perf_counter() - started) * 1000, 2), stage_ms=stage,
            hits=tuple(hits) if include_hits else (), model=model,
        )

    def _covered(self, plan: Plan, hits: list[Hit]) -> bool:
        if plan.mode == "none":
            return True
        best = max((h.dense for h in hits), default=0.0)
        if plan.category == "out_of_scope" and not plan.fallback:
            return best >= self.min_relevance + 0.2  # only a strong hit overrides
        return best >= self.min_relevance


def default_fallback() -> Answerer:
    return ExtractiveAnswerer()
