"""/api/v1/query: ask a question; JSON or server-sent events."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from ragworks.api.deps import principal, services
from ragworks.api.routes_documents import check_collection
from ragworks.api.schemas import QueryRequest, QueryResponse
from ragworks.auth import Principal
from ragworks.errors import BadInput, RagworksError
from ragworks.models import Answer, Scope
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
def query(body: QueryRequest, who: Principal = Depends(principal),
          svc: Services = Depends(services)):  # type: ignore[no-untyped-def]
    """Answer a question from the caller's tenant's documents, with citations."""
    who.require("query")
    question = validate_question(body.question, svc.settings.max_question_chars)
    scope = Scope(tenant=who.tenant,
                  collection=check_collection(body.collection) if body.collection else None)
    if not body.stream:
        answer = svc.pipeline.run(question, scope, include_hits=body.include_hits)
        return QueryResponse.of(answer, body.include_hits)

    def events() -> Iterator[str]:
        try:
            for kind, value in svc.pipeline.stream(question, scope, body.include_hits):
                if kind == "token":
                    yield _sse("token", {"text": value})
                elif isinstance(value, Answer):
                    out = QueryResponse.of(value, body.include_hits).model_dump(mode="json")
                    yield _sse("citations", out["citations"])
                    yield _sse("done", out)
        except RagworksError as exc:
            yield _sse("error", {"error": type(exc).__name__, "detail": exc.message})

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
