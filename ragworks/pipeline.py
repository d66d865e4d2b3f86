"""The request path: classify -> plan -> retrieve -> generate -> answer + citations.

Wires the stages; does no I/O of its own. ``run`` returns an Answer; ``stream``
yields ("token", text) events and finally ("answer", Answer). Every stage is a
span of the trace being recorded, the LLM call a generation, and automatic
scores (confidence, top retrieval score, cited relevance, groundedness) are
attached at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from ragworks.classify.model import QueryClassifier
from ragworks.errors import BackendError
from ragworks.generate import Answerer, Usage
from ragworks.generate.citations import attribute, citations_for
from ragworks.generate.grounding import GroundingChecker, SentenceGate, is_refusal
from ragworks.generate.verify import Verifier
from ragworks.ingest import screen
from ragworks.models import Answer, Citation, Hit, Plan, Scope
from ragworks.observe.model import Observation
from ragworks.observe.recorder import TraceRecorder
from ragworks.retrieve.retriever import HybridRetriever
from ragworks.route.coverage import CoverageCalibrator, unmatched_identifiers
from ragworks.route.planner import Planner

NOT_COVERED = "The documents do not cover this question."
ANSWERING = ("factoid", "multi_hop", "summary")


class Route(NamedTuple):
    """What classify, plan, retrieve and the coverage check decided about a question."""
    category: str
    confidence: float
    plan: Plan
    hits: list[Hit]
    covered: bool
    #: how far the best passage's dense score clears the coverage threshold
    margin: float


def _hit_summary(h: Hit) -> dict:
    """What the retrieve span keeps of a hit: where it is and how it scored, not its text
    (a deleted document's text must not live on in traces)."""
    return {"chunk_id": h.chunk.id, "doc_id": h.chunk.doc_id, "source": h.chunk.source,
            "section": h.chunk.section, "lexical": round(h.lexical, 4),
            "dense": round(h.dense, 4), "fused": h.fused}


def _source(n: int, h: Hit) -> dict:
    """A passage the answer is written from, as the ``sources`` event shows it."""
    return {"n": n, "source": h.chunk.source, "section": h.chunk.section,
            "doc_id": h.chunk.doc_id, "chunk_id": h.chunk.id, "start": h.chunk.start,
            "end": h.chunk.end}


@dataclass
class QueryPipeline:
    classifier: QueryClassifier
    planner: Planner
    retriever: HybridRetriever
    answerer: Answerer
    #: the floor of the coverage threshold (the whole threshold without a calibrator)
    min_relevance: float = 0.25
    #: per-collection "is this covered?" thresholds from an off-topic baseline
    coverage: CoverageCalibrator | None = None
    fallback: Answerer | None = None
    #: claim-level check of every answer sentence against its cited passage: model
    #: sentences are shown only once they pass; the score goes on the trace
    grounding: GroundingChecker = field(default_factory=GroundingChecker)
    #: model -> (price per million input tokens, per million output tokens)
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: estimates tokens for backends that report none (words and punctuation marks, not the
    #: model's tokenizer: the generation says so with usage_source="counted")
    count_tokens: Callable[[str], int] | None = None
    #: passages that try to instruct the model (ingest/screen.py): "exclude" keeps them
    #: out of answers, "off" uses them like any other
    screen_passages: str = "exclude"
    #: a second opinion on each model sentence (the local model: generate/verify.py); the
    #: model's answer is then released once it is whole and every sentence is verified
    verifier: Verifier | None = None
    #: ask the verifier inside the answer's own context while the model writes the next
    #: sentence (sentences stream); off: bench/grounding.py --in-context measured its
    #: margins at AUC 0.56 (the model approves its own sentences)
    verify_in_context: bool = False
    #: a model's refusal ("the documents do not cover this") stands only when the best
    #: passage clears the coverage threshold by less than this; above it the refusal is
    #: withdrawn and the extractive answer stands in. bench/refusals.py dev rows: 5% of
    #: answerable questions fall below 0.08, 26% of unanswerable ones that pass coverage
    refusal_margin: float = 0.08

    def run(self, question: str, scope: Scope, include_hits: bool = False,
            trace: TraceRecorder | None = None) -> Answer:
        answer: Answer | None = None
        for _, value in self.stream(question, scope, include_hits, trace):
            if isinstance(value, Answer):
                answer = value
        assert answer is not None
        return answer

    def stream(self, question: str, scope: Scope, include_hits: bool = False,
               trace: TraceRecorder | None = None) -> Iterator[tuple[str, object]]:
        rec = trace or TraceRecorder("query", scope.tenant)
        rec.trace.input = {"question": question, "collection": scope.collection}
        started = time.perf_counter()
        stage: dict[str, float] = {}

        category, confidence, plan, hits, covered, margin = self._routed(question, scope,
                                                                         rec)
        rec.trace.category = category
        dropped: list[str] = []  # the text of passages the screen kept out
        if covered and hits and self.screen_passages == "exclude":
            hits, dropped = self._screened(hits, rec)
            covered = bool(hits)  # only attacks were found: nothing to answer from
        if covered and hits:  # what the answer is written from, before a word of it
            yield "sources", [_source(n, h) for n, h in enumerate(hits, 1)]
            quote = self._quote(question, hits, plan, rec)
            if quote:
                yield "quote", quote
        text, model, gen = "", self.answerer.name, None
        if not covered:
            text = NOT_COVERED
            yield "token", text
        else:
            pieces: list[str] = []
            with rec.span("generate", as_type="generation") as gen:
                yield from self._generate(question, hits, plan, gen, pieces,
                                          refusal_stands=margin < self.refusal_margin)
            text, model = "".join(pieces).strip(), gen.model
            if is_refusal(text):  # the model read weak passages and found no answer: an
                # honest refusal, never replaced by the passages' nearest sentence
                text, covered, category = NOT_COVERED, False, "out_of_scope"
                rec.trace.metadata["refused_by"] = gen.model
                gen.metadata["refused"] = True
        cited_hits = hits if covered else []
        text, citations = citations_for(attribute(text, cited_hits), cited_hits)
        foreign = screen.foreign_urls(text, [h.chunk.text for h in cited_hits])
        foreign += [u for u in screen.urls(text) if u not in foreign
                    and any(u in p for p in dropped)]  # never a link an attack carried
        for url in foreign:  # a link must come verbatim from a passage the answer cites
            text = text.replace(url, "[link removed]")
        if foreign:
            rec.trace.metadata["removed_links"] = len(foreign)
        for obs in rec.trace.observations:
            if obs.parent_id is None:
                stage[obs.name] = obs.latency_ms
        answer = Answer(
            answer=text, citations=citations, category=category,
            confidence=round(confidence, 4), plan=plan, covered=covered,
            latency_ms=round((time.perf_counter() - started) * 1000, 2), stage_ms=stage,
            hits=tuple(hits) if include_hits else (), model=model, trace_id=rec.trace_id,
        )
        rec.trace.output = {"answer": text, "citations": [c.source for c in citations]}
        rec.trace.metadata.update(covered=covered, model=model, plan=plan.category,
                                  fallback_plan=plan.fallback)
        self._score(rec, answer, hits, citations, gen, question)
        yield "answer", answer

    def _routed(self, question: str, scope: Scope, rec: TraceRecorder) -> Route:
        """Classify, plan, retrieve, and decide whether the documents cover the question."""
        with rec.span("classify", input=question) as span:
            ranked = self.classifier.ranked(question)
            category, confidence = ranked[0]
            # "chitchat" and "out_of_scope" are checked against the documents first:
            # retrieval evidence, not the classifier's topic, decides what is covered.
            route, route_conf = next(((c, p) for c, p in ranked if c in ANSWERING),
                                     ("factoid", 0.0)) if category not in ANSWERING \
                else (category, confidence)
            span.output = {"category": category, "confidence": round(confidence, 4),
                           "answering_category": route}
            span.metadata["classifier"] = self.classifier.version
        with rec.span("plan") as span:
            plan = self.planner.plan(question, route, confidence if route == category
                                     else max(route_conf, self.planner.min_confidence))
            span.output = plan.model_dump()
        with rec.span("retrieve", input=question) as span:
            hits = self.retriever.retrieve(question, scope, plan, trace=rec)
            span.output = [_hit_summary(h) for h in hits]
            with rec.span("coverage") as cover:
                threshold = self._threshold(scope)
                best = max((h.dense for h in hits), default=0.0)
                # a code or model the question names must be in a passage: close vectors
                # about E101 do not answer a question about E104
                unmatched = unmatched_identifiers(question, (h.chunk.embed_text
                                                             for h in hits))
                covered = best >= threshold and not unmatched
                if category == "chitchat" and not covered:
                    plan = self.planner.plan(question, "chitchat", confidence)
                    hits, covered = [], True
                elif not covered:
                    category = "out_of_scope"
                else:
                    category, confidence = route, (confidence if route == category
                                                   else route_conf)
                cover.output = {"covered": covered, "best_dense": round(best, 4),
                                "threshold": round(threshold, 4), "category": category}
                if unmatched:
                    cover.output["unmatched_names"] = unmatched
        return Route(category, confidence, plan, hits, covered, best - threshold)

    @property
    def writes_with_model(self) -> bool:
        """A model writes the answers (slowly; checked against the extractive fallback)."""
        return self.fallback is not None and self.answerer.name != self.fallback.name

    def _quote(self, question: str, hits: list[Hit], plan: Plan,
               rec: TraceRecorder) -> str:
        """A model reads for seconds before its first word: the best sentences of the
        passages, verbatim (verified by construction, found in milliseconds), are shown
        meanwhile and stay beside the model's answer ("" with no model, or nothing)."""
        if self.fallback is None or not self.writes_with_model or plan.mode == "none":
            return ""
        with rec.span("quote") as span:
            quote = "".join(self.fallback.answer(question, hits, plan, Usage())).strip()
            span.output = quote
        return "" if quote == NOT_COVERED else quote

    @staticmethod
    def _screened(hits: list[Hit], rec: TraceRecorder) -> tuple[list[Hit], list[str]]:
        """The hits with the sentences that try to instruct the model blanked out (a
        passage left with nothing to say is dropped), and the text kept out; what was
        kept out, and why, goes on the trace."""
        kept: list[Hit] = []
        out: list[str] = []
        screened: list[dict] = []
        for h in hits:
            text, flagged, why = screen.quarantine(h.chunk.text)
            if not flagged:
                kept.append(h)
                continue
            out.extend(flagged)
            whole = len(text.split()) < 3
            screened.append({"chunk_id": h.chunk.id, "source": h.chunk.source,
                             "reasons": list(why), "sentences": len(flagged),
                             "passage_dropped": whole})
            if not whole:
                kept.append(h.model_copy(update={"chunk": h.chunk.model_copy(
                    update={"text": text})}))
        if screened:
            rec.trace.metadata["screened_passages"] = screened
        return kept, out

    def _generate(self, question: str, hits: list[Hit], plan: Plan, gen: Observation,
                  pieces: list[str], refusal_stands: bool = True,
                  ) -> Iterator[tuple[str, object]]:
        usage = Usage()
        gen.model = self.answerer.name
        name, _, version = plan.prompt.rpartition("_v")
        gen.prompt_name, gen.prompt_version = (name, version) if name else (plan.prompt, "")
        verify = plan.mode != "none" and self.writes_with_model
        raw: list[str] = []
        second = self.verifier if verify else None
        gate = SentenceGate(self.grounding, hits, question, second, refusal_stands)
        try:
            stream = self.answerer.answer(question, hits, plan, usage)
            for piece in _released(stream, gate if verify else None, raw, usage,
                                   self.verify_in_context):
                pieces.append(piece)
                yield "token", piece
        except BackendError as exc:
            if self.fallback is None or pieces:
                raise
            gen.metadata["fallback_reason"] = f"backend error: {exc.message}"
            gen.model = self.fallback.name
            for piece in self.fallback.answer(question, hits, plan, Usage()):
                pieces.append(piece)
                yield "token", piece
        text = "".join(raw).strip()
        gen.input = usage.extra.get("messages") or {"question": question}
        gen.model_parameters = usage.extra.get("model_parameters", {})
        gen.output = text
        self._usage(gen, usage, text)
        if verify and gate.withdrawn:
            gen.metadata["withdrawn"] = gate.withdrawn
        if gate.margins:
            gen.metadata["verifier_margins"] = gate.margins
        if verify and not "".join(pieces).strip() and self.fallback is not None \
                and gen.model != self.fallback.name:
            # nothing of the model's answer held up: the extractive answer is shown instead
            gen.metadata["replaced_answer"] = text
            gen.metadata["fallback_reason"] = "ungrounded" if text else "empty"
            replacement = "".join(self.fallback.answer(question, hits, plan, Usage())).strip()
            gen.model = self.fallback.name
            gen.metadata["replaced_model"] = self.answerer.name
            pieces[:] = [replacement]
            yield "token", replacement

    def _usage(self, gen: Observation, usage: Usage, text: str) -> None:
        gen.input_tokens, gen.output_tokens = usage.input_tokens, usage.output_tokens
        if not gen.output_tokens and text and self.count_tokens is not None:
            gen.output_tokens = self.count_tokens(text)
            gen.metadata["usage_source"] = "counted"
        if usage.first_token_ms is not None:
            gen.completion_start = gen.start + usage.first_token_ms / 1000
        price_in, price_out = self.prices.get(gen.model, (0.0, 0.0))
        gen.cost = round(gen.input_tokens * price_in / 1e6 + gen.output_tokens * price_out / 1e6,
                         8)

    def _score(self, rec: TraceRecorder, answer: Answer, hits: list[Hit],
               citations: tuple[Citation, ...], gen: Observation | None,
               question: str = "") -> None:
        rec.score("classification_confidence", answer.confidence)
        if answer.plan.mode == "none":
            return
        rec.score("top_retrieval_score", max((h.dense for h in hits), default=0.0))
        rec.score("covered", answer.covered)
        if not answer.covered:
            return
        by_id = {h.chunk.id: h for h in hits}
        cited = [by_id[c.chunk_id].dense for c in citations if c.chunk_id in by_id]
        if cited:
            rec.score("cited_relevance", sum(cited) / len(cited))
        report = self.grounding.check(answer.answer, hits, question)
        rec.score("groundedness", round(report.score, 4),
                  observation_id=gen.id if gen else None,
                  comment="; ".join(report.problems)[:500])
        if gen is not None and gen.metadata.get("withdrawn"):
            rec.score("withdrawn_sentences", len(gen.metadata["withdrawn"]),
                      observation_id=gen.id)

    def _threshold(self, scope: Scope) -> float:
        if self.coverage is None:
            return self.min_relevance
        return self.coverage.threshold(scope, floor=self.min_relevance)


def _released(stream: Iterator[str], gate: SentenceGate | None, raw: list[str],
              usage: Usage, in_context: bool = False) -> Iterator[str]:
    """What of a model's stream is shown: everything (no gate), or the sentences the gate
    lets through as they complete. With ``in_context``, a gate with a verifier checks each
    sentence inside the model's own context (the ``probe`` the stream offers from its
    start) while the model is paused; otherwise (or when the model offers none) the stream
    is read to its end first (the verifier needs the model, which the stream holds). A
    failed sentence ends the model's stream."""
    whole = False
    try:
        for n, piece in enumerate(stream):
            raw.append(piece)
            if gate is None:
                yield piece
                continue
            if n == 0 and gate.verifier is not None:
                gate.read = usage.extra.get("read")
                gate.probe = usage.extra.get("probe") if in_context else None
                whole = gate.probe is None
            if not whole:
                yield from gate.feed(piece)
                if gate.stopped:
                    return  # a sentence failed: the rest of the model's text is withdrawn
        if gate is not None:
            if whole:
                yield from gate.feed("".join(raw))
            yield from gate.finish()
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # the model is free again at once, not when the stream is collected
