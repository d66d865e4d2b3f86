"""/api/v1/query: ask a question; JSON or server-sent events.

The route is the product's hot path, so it takes the shortest way through the web stack.
Measured on 2 cores against a server idle between questions (``bench/run_all.py --only
http``), every step costs a few tenths of a millisecond, beside a 5-8 ms extractive answer:

- the caller is known before the body is read (the body limit's gate, on the event loop
  when the key store is local);
- ``QueryShortcut`` serves POST /api/v1/query inside the request-id, security-header,
  in-flight and body-limit middleware but before FastAPI's routing, dependency solving
  and exception middleware (0.7-1.1 ms of the 2-3 ms HTTP added), as ``Probes`` serves
  /healthz; the FastAPI route below is the same function and documents it;
- the body is validated once from its bytes, and the answer is found and serialised in
  one hop to a worker thread.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator

import anyio
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from ragworks import usecases
from ragworks.api.deps import caller, services
from ragworks.api.routes_documents import check_collection
from ragworks.api.schemas import QueryRequest, QueryResponse
from ragworks.errors import RagworksError
from ragworks.models import Answer
from ragworks.services import Services
from ragworks.usecases.answering import Asking, validate_question

router = APIRouter(prefix="/api/v1", tags=["query"])


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


#: the body as OpenAPI documents it (it is read by ``_query_request``, not by FastAPI)
_BODY_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": QueryRequest.model_json_schema()}}}}


async def _query_request(request: Request) -> QueryRequest:
    """The body as a QueryRequest; a body that is not one is a 422 like any other route's."""
    try:
        return QueryRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors()]) from None


@router.post("/query", response_model=QueryResponse, openapi_extra=_BODY_DOC)
async def query(request: Request) -> Response:
    """Answer a question from the caller's tenant's documents, with citations."""
    who = await caller(request)
    who.require("query")
    body = await _query_request(request)
    svc = services(request)
    asking = Asking(tenant=who.tenant,
                    collection=check_collection(body.collection) if body.collection else None,
                    user_id=body.user_id or "", session_id=body.session_id or "",
                    tags=tuple(body.tags), include_hits=body.include_hits,
                    earlier=tuple(body.history))

    def started(trace_id: str) -> None:
        request.state.trace_id = trace_id

    if not body.stream:
        def answered() -> bytes:
            answer = usecases.answer(svc, body.question, asking, started=started)
            return QueryResponse.of(answer, body.include_hits).model_dump_json().encode()

        return Response(await anyio.to_thread.run_sync(answered),
                        media_type="application/json")
    # the question is checked before the stream starts: a bad one is a 4xx, not an event
    for q in (body.question, *(h for h in body.history if h.strip())):
        validate_question(q, svc.settings.max_question_chars)

    return ClosingStream(_events(svc, body, asking, started), media_type="text/event-stream",
                         headers={"Cache-Control": "no-cache"})


def _events(svc: Services, body: QueryRequest, asking: Asking,
            started: Callable[[str], None]) -> Iterator[str]:
    """The answer as server-sent events: sources, tokens, citations, done (or an error)."""
    try:
        for kind, value in usecases.answer_stream(svc, body.question, asking,
                                                  started=started):
            if kind == "token":
                yield _sse("token", {"text": value})
            elif kind == "sources":  # within milliseconds: retrieval is done
                yield _sse("sources", value)
            elif kind == "quote":  # verbatim sentences while a model writes
                yield _sse("quote", {"text": value})
            elif kind == "queued":  # how many questions the model answers first
                yield _sse("queued", value)
            elif isinstance(value, Answer):
                out = QueryResponse.of(value, body.include_hits).model_dump(mode="json")
                yield _sse("citations", out["citations"])
                yield _sse("done", out)
    except RagworksError as exc:
        yield _sse("error", {"error": type(exc).__name__, "detail": exc.message})


class ClosingStream(StreamingResponse):
    """Server-sent events whose generator is closed as soon as the response ends, a
    client that went away included: the answer stops being written (the model's time
    goes to the next question) and its trace says it was stopped. Starlette leaves a
    dropped stream's generator to the garbage collector, which took 20-40 s."""

    def __init__(self, source: Iterator[str], **kw: object) -> None:
        super().__init__(source, **kw)  # type: ignore[arg-type]
        self.source = source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self.source, "close", None)
            for _ in range(600):  # a worker thread may still be inside next(): one token
                try:
                    if close is not None:  # the trace is written: off the event loop
                        await anyio.to_thread.run_sync(close)
                    break
                except ValueError:  # "generator already executing"
                    await anyio.sleep(0.05)


class QueryShortcut:
    """ASGI middleware: POST /api/v1/query straight to ``query``, errors answered by the
    app's exception handlers (as FastAPI's exception middleware would); every other
    request goes on to the app."""

    path = "/api/v1/query"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        #: for the access log and metrics, which name a request by its route's path
        self.route = next(r for r in router.routes if getattr(r, "path", "") == self.path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or \
                scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        request = Request(scope, receive)
        try:
            response = await query(request)
        except Exception as exc:
            handler = next((h for kind in type(exc).__mro__ if (h := request.app
                            .exception_handlers.get(kind)) is not None), None)
            if handler is None:
                raise
            answered = handler(request, exc)
            response = await answered if inspect.isawaitable(answered) else answered
        await response(scope, receive, send)
