"""/v1/chat/completions and /v1/models: ragworks as a model to OpenAI clients.

Any OpenAI client (the ``openai`` package, Open WebUI, an IDE plugin) points its base URL
at ``http://host:3000/v1`` with a ragworks API key and gets answers from the documents:

- the question is the last ``user`` message; the user's earlier messages are the
  conversation, so a follow-up ("how long is it valid?") is asked together with the
  questions it refers back to; ``system`` messages and sampling parameters are ignored
  (ragworks writes its own prompt and answers from the documents only);
- the model ``ragworks`` searches the caller's whole tenant, ``ragworks/<collection>``
  one collection (``GET /v1/models`` lists them);
- the answer carries numbered markers ([1], [2]) as ``/api/v1/query`` gives them, and the
  completion (the last chunk, when streamed) a ``citations`` list saying where each
  marker points, with ``ragworks`` holding the trace id for feedback, ``covered`` and the
  category;
- the same keys and scopes (``query``), rate limits, body limits and traces as
  ``/api/v1/query``; errors in OpenAI's shape, ``{"error": {"message", "type", "code"}}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ragworks import usecases
from ragworks.api.deps import caller, services, services_dep
from ragworks.api.routes_documents import check_collection
from ragworks.api.routes_query import ClosingStream
from ragworks.auth import Principal
from ragworks.errors import BadInput, NotFound, RagworksError
from ragworks.models import Answer, Citation
from ragworks.services import Services
from ragworks.usecases.answering import Asking, validate_question

router = APIRouter(prefix="/v1", tags=["openai"])

MODEL = "ragworks"


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat completion request; the fields ragworks does not use are accepted and
    ignored (temperature, max_tokens, tools, ...)."""
    model_config = ConfigDict(extra="ignore")
    model: str = Field(MODEL, description="'ragworks' (every collection) or "
                       "'ragworks/<collection>'")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    user: str | None = Field(None, max_length=200, description="Who asks (for traces).")


class Message(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: Message
    finish_reason: Literal["stop"] = "stop"


class Provenance(BaseModel):
    """What ragworks adds: the trace (for POST /api/v1/feedback) and the routing."""
    trace_id: str | None
    covered: bool
    category: str
    answered_by: str


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[Citation] = Field(description="Where each [n] marker of the answer "
                                      "points: the document, section and character span")
    ragworks: Provenance


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "ragworks"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def _collection(model: str) -> str | None:
    name, _, collection = model.partition("/")
    if name != MODEL:
        raise NotFound(f"no model {model!r}: use {MODEL!r} or '{MODEL}/<collection>' "
                       "(GET /v1/models lists them)")
    return check_collection(collection) if collection else None


def _asking(body: ChatRequest, who: Principal, svc: Services,
            request: Request) -> tuple[str, Asking]:
    """The question (the last user message) and everything else about it."""
    if body.messages[-1].role != "user":
        raise BadInput("the last message must be the user's question (role 'user'), not "
                       f"{body.messages[-1].role!r}")
    limit = svc.settings.max_question_chars
    question = validate_question(body.messages[-1].text, limit)
    earlier = tuple(m.text for m in body.messages[:-1] if m.role == "user" and m.text.strip())
    for q in earlier:
        validate_question(q, limit)
    return question, Asking(tenant=who.tenant, collection=_collection(body.model),
                            user_id=body.user or "",
                            session_id=request.headers.get("x-session-id", "")[:200],
                            tags=("openai",), earlier=earlier)


def _provenance(answer: Answer) -> dict[str, Any]:
    return Provenance(trace_id=answer.trace_id, covered=answer.covered,
                      category=answer.category, answered_by=answer.model).model_dump()


def _chunk(cid: str, created: int, model: str, delta: dict[str, str],
           finish: str | None = None, **extra: object) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body)}\n\n"


@router.get("/models", response_model=ModelList)
def models(who: Principal = Depends(caller), svc: Services = Depends(services_dep)
           ) -> ModelList:
    """The models an OpenAI client may name: every collection together, and each one."""
    who.require("query")
    docs = svc.records.list_documents(who.tenant, None, 1000, 0)
    names = sorted({d.collection for d in docs})
    return ModelList(data=[ModelCard(id=MODEL), *(ModelCard(id=f"{MODEL}/{n}")
                                                  for n in names)])


@router.post("/chat/completions", response_model=ChatCompletion)
async def chat_completions(body: ChatRequest, request: Request) -> Response:
    """An answer from the documents, with citations, for an OpenAI client."""
    who = await caller(request)
    who.require("query")
    svc = services(request)
    question, asking = _asking(body, who, svc, request)
    created = int(time.time())

    def started(trace_id: str) -> None:
        request.state.trace_id = trace_id

    if not body.stream:
        def answered() -> bytes:
            answer = usecases.answer(svc, question, asking, started=started)
            return ChatCompletion(
                id=f"chatcmpl-{answer.trace_id or 'untraced'}", created=created,
                model=body.model, choices=[Choice(message=Message(content=answer.answer))],
                citations=list(answer.citations),
                ragworks=Provenance(**_provenance(answer))).model_dump_json().encode()

        return Response(await anyio.to_thread.run_sync(answered),
                        media_type="application/json")

    def events() -> Iterator[str]:
        cid = "chatcmpl-pending"
        shown = ""
        try:
            for kind, value in usecases.answer_stream(svc, question, asking,
                                                      started=started):
                if kind == "token" and isinstance(value, str):
                    if not shown:
                        cid = f"chatcmpl-{getattr(request.state, 'trace_id', 'untraced')}"
                        yield _chunk(cid, created, body.model, {"role": "assistant",
                                                                "content": ""})
                    shown += value
                    yield _chunk(cid, created, body.model, {"content": value})
                elif isinstance(value, Answer):
                    # the answer as stored (markers checked): what the stream lacks of it
                    rest = value.answer[len(shown.strip()):] \
                        if value.answer.startswith(shown.strip()) else ""
                    if rest:
                        yield _chunk(cid, created, body.model, {"content": rest})
                    yield _chunk(cid, created, body.model, {}, "stop", citations=[
                        c.model_dump(mode="json") for c in value.citations],
                        ragworks=_provenance(value))
        except RagworksError as exc:
            error = {"message": exc.message, "type": type(exc).__name__, "code": exc.status}
            yield f"data: {json.dumps({'error': error})}\n\n"
        yield "data: [DONE]\n\n"

    return ClosingStream(events(), media_type="text/event-stream",
                         headers={"Cache-Control": "no-cache"})
