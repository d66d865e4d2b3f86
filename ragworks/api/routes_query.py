"""/api/v1/query: ask a question; JSON or server-sent events."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from ragworks import usecases
from ragworks.api.deps import caller, services_dep
from ragworks.api.routes_documents import check_collection
from ragworks.api.schemas import QueryRequest, QueryResponse
from ragworks.auth import Principal
from ragworks.errors import RagworksError
from ragworks.models import Answer
from ragworks.services import Services
from ragworks.usecases.answering import Asking, validate_question

router = APIRouter(prefix="/api/v1", tags=["query"])


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


@router.post("/query", response_model=QueryResponse)
def query(body: QueryRequest, request: Request, who: Principal = Depends(caller),
          svc: Services = Depends(services_dep)) -> Response:
    """Answer a question from the caller's tenant's documents, with citations."""
    who.require("query")
    asking = Asking(tenant=who.tenant,
                    collection=check_collection(body.collection) if body.collection else None,
                    user_id=body.user_id or "", session_id=body.session_id or "",
                    tags=tuple(body.tags), include_hits=body.include_hits)

    def started(trace_id: str) -> None:
        request.state.trace_id = trace_id

    if not body.stream:
        answer = usecases.answer(svc, body.question, asking, started=started)
        # serialised once, here: returned as a model, it would be dumped, validated
        # against response_model again and dumped once more
        return Response(QueryResponse.of(answer, body.include_hits).model_dump_json(),
                        media_type="application/json")
    # the question is checked before the stream starts: a bad one is a 4xx, not an event
    validate_question(body.question, svc.settings.max_question_chars)

    def events() -> Iterator[str]:
        try:
            for kind, value in usecases.answer_stream(svc, body.question, asking,
                                                      started=started):
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
