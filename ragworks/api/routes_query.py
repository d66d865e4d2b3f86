"""/api/v1/query: ask a question; JSON or server-sent events."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from ragworks.api.deps import principal, services
from ragworks.api.routes_documents import check_collection
from ragworks.api.schemas import QueryRequest, QueryResponse
from ragworks.auth import Principal
from ragworks.errors import BadInput, RagworksError
from ragworks.models import Answer, Scope
from ragworks.observe.recorder import TraceRecorder
from ragworks.services import Services

router = APIRouter(prefix="/api/v1", tags=["query"])


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def validate_question(question: str, limit: int) -> str:
    q = question.strip()
    if not q:
        raise BadInput("question is empty")
    if len(q) > limit:
        raise BadInput(f"question is {len(q)} characters; the limit is {limit}")
    return q


@router.post("/query", response_model=QueryResponse)
def query(body: QueryRequest, request: Request, who: Principal = Depends(principal),
          svc: Services = Depends(services)):  # type: ignore[no-untyped-def]
    """Answer a question from the caller's tenant's documents, with citations."""
    who.require("query")
    question = validate_question(body.question, svc.settings.max_question_chars)
    scope = Scope(tenant=who.tenant,
                  collection=check_collection(body.collection) if body.collection else None)
    exp, variant = svc.experiments.variant_for(who.tenant, body.user_id or body.session_id)
    overrides = {**svc.experiments.store.active_config(who.tenant),
                 **(variant["overrides"] if variant else {})}
    pipeline = svc.pipeline_for(overrides)
    rec = svc.tracer.start("query", who.tenant, user_id=body.user_id or "",
                           session_id=body.session_id or "", tags=list(body.tags),
                           variant=f"{exp['id']}/{variant['name']}" if exp and variant else "")
    request.state.trace_id = rec.trace_id
    if not body.stream:
        try:
            answer = pipeline.run(question, scope, body.include_hits, trace=rec)
        except RagworksError as exc:
            finish(svc, rec, exc)
            raise
        finish(svc, rec, None)
        if not rec.stored:  # never hand out the id of a trace that is not there
            answer = answer.model_copy(update={"trace_id": None})
        return QueryResponse.of(answer, body.include_hits)

    def events() -> Iterator[str]:
        try:
            for kind, value in pipeline.stream(question, scope, body.include_hits, rec):
                if kind == "token":
                    yield _sse("token", {"text": value})
                elif isinstance(value, Answer):
                    finish(svc, rec, None)
                    if not rec.stored:
                        value = value.model_copy(update={"trace_id": None})
                    out = QueryResponse.of(value, body.include_hits).model_dump(mode="json")
                    yield _sse("citations", out["citations"])
                    yield _sse("done", out)
        except RagworksError as exc:
            finish(svc, rec, exc)
            yield _sse("error", {"error": type(exc).__name__, "detail": exc.message})

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})


def finish(svc: Services, rec: TraceRecorder, error: RagworksError | None) -> None:
    status, message = ("ok", "") if error is None else \
        ("error", f"{type(error).__name__}: {error.message}")
    trace = svc.tracer.finish(rec, status, message)
    svc.metrics.observe_trace(trace)
