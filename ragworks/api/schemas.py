"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ragworks.models import Answer, Citation, Document, Plan

#: bounds of integer and time query parameters (past them: 422, never a storage overflow)
MAX_OFFSET = 1_000_000
MAX_EPOCH = 1e11


class QueryRequest(BaseModel):
    question: str = Field(description="The question, in plain language.")
    collection: str | None = Field(None, description="Search only this collection.")
    include_hits: bool = Field(False, description="Return the retrieved chunks with scores.")
    stream: bool = Field(False, description="Server-sent events: sources, tokens, citations.")
    user_id: str | None = Field(None, max_length=200, description="Who asks (for traces).")
    session_id: str | None = Field(None, max_length=200, description="Conversation id.")
    tags: list[str] = Field(default_factory=list, max_length=10, description="Trace tags.")
    history: list[str] = Field(
        default_factory=list, max_length=20, description="The user's earlier questions in "
        "this conversation, oldest first: a follow-up ('how long is it valid?') is asked "
        "together with the questions it refers back to.")


class HitOut(BaseModel):
    chunk_id: str
    doc_id: str
    source: str
    title: str
    section: str
    text: str
    start: int
    end: int
    lexical: float
    dense: float
    fused: float


class QueryResponse(BaseModel):
    answer: str
    citations: list[Citation]
    category: str
    confidence: float
    plan: Plan
    covered: bool
    latency_ms: float
    stage_ms: dict[str, float]
    model: str
    trace_id: str | None = Field(description="For feedback; null when the trace could not "
                                 "be stored (then there is nothing to give feedback on)")
    hits: list[HitOut] | None = None

    @classmethod
    def of(cls, a: Answer, include_hits: bool) -> QueryResponse:
        hits = [HitOut(chunk_id=h.chunk.id, doc_id=h.chunk.doc_id, source=h.chunk.source,
                       title=h.chunk.title, section=h.chunk.section, text=h.chunk.text,
                       start=h.chunk.start, end=h.chunk.end, lexical=round(h.lexical, 4),
                       dense=round(h.dense, 4), fused=h.fused)
                for h in a.hits] if include_hits else None  # built only when asked for
        return cls(answer=a.answer, citations=list(a.citations), category=a.category,
                   confidence=a.confidence, plan=a.plan, covered=a.covered,
                   latency_ms=a.latency_ms, stage_ms=a.stage_ms, model=a.model,
                   trace_id=a.trace_id, hits=hits)


class IngestResponse(BaseModel):
    document: Document
    status: str
    embedded: int


class DocumentList(BaseModel):
    documents: list[Document]
    total: int
    limit: int
    offset: int
