"""The OpenAI-compatible backend against a real HTTP server on loopback.

The server speaks the chat-completions streaming protocol (as OpenAI, vLLM,
Ollama and llama.cpp's server do) and records what it was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ragworks.errors import BackendError
from ragworks.generate import Usage
from ragworks.generate.openai_compat import OpenAIChatModel
from ragworks.models import Scope
from ragworks.services import Services
from ragworks.threadserver import ThreadServer
from tests.conftest import CORPUS, make_settings


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.fail_with: int | None = None
        self.reply = "Guest codes are valid for 24 hours [1]."
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request):  # type: ignore[no-untyped-def]
            body = await request.json()
            self.requests.append(body)
            self.headers.append(dict(request.headers))
            if self.fail_with:
                return JSONResponse({"error": {"message": "boom"}}, status_code=self.fail_with)

            def events() -> Iterator[str]:
                for word in self.reply.split(" "):
                    chunk = {"choices": [{"delta": {"content": word + " "}}]}
                    yield f"data: {json.dumps(chunk)}\n\n"
                usage = {"choices": [], "usage": {"prompt_tokens": 42, "completion_tokens": 9}}
                yield f"data: {json.dumps(usage)}\n\n"
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")

        self.server = ThreadServer(app)
        self.url = self.server.url + "/v1"

    def __enter__(self) -> FakeOpenAI:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_streams_tokens_and_reads_usage(fake: FakeOpenAI) -> None:
    chat = OpenAIChatModel(fake.url, model="gpt-test", api_key="sk-test")
    usage = Usage()
    text = "".join(chat.stream([{"role": "user", "content": "hi"}], max_tokens=50,
                               stop=["\nQuestion:"], usage=usage))
    assert text.strip() == fake.reply
    assert (usage.input_tokens, usage.output_tokens) == (42, 9)
    assert usage.first_token_ms is not None
    sent = fake.requests[0]
    assert sent["model"] == "gpt-test" and sent["stream"] and sent["max_tokens"] == 50
    assert sent["stop"] == ["\nQuestion:"]
    assert fake.headers[0]["authorization"] == "Bearer sk-test"
    chat.close()


def test_errors_become_backend_errors(fake: FakeOpenAI) -> None:
    fake.fail_with = 500
    chat = OpenAIChatModel(fake.url, model="gpt-test")
    with pytest.raises(BackendError, match="500"):
        "".join(chat.stream([{"role": "user", "content": "hi"}], max_tokens=5))
    down = OpenAIChatModel("http://127.0.0.1:9/v1", model="gpt-test", timeout_s=2)
    with pytest.raises(BackendError, match="unreachable"):
        "".join(down.stream([{"role": "user", "content": "hi"}], max_tokens=5))
    chat.close()
    down.close()


def test_pipeline_uses_the_endpoint_and_falls_back_when_it_fails(fake: FakeOpenAI,
                                                                  tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = Services(make_settings(tmp_path, llm="openai:gpt-test", openai_base_url=fake.url))
    svc.ingestor.ingest((CORPUS / "wifi-guest-access.txt").read_bytes(),
                        "wifi-guest-access.txt", "default")
    answer = svc.pipeline.run("How long is a guest Wi-Fi code valid?", Scope(tenant="default"))
    assert answer.model == "gpt-test" and "24 hours" in answer.answer
    assert answer.citations[0].source == "wifi-guest-access.txt"
    context = fake.requests[0]["messages"][-1]["content"]
    assert "[1] (wifi-guest-access.txt" in context
    fake.fail_with = 503
    answer = svc.pipeline.run("How long is a guest Wi-Fi code valid?", Scope(tenant="default"))
    assert answer.model == "extractive" and "24 hours" in answer.answer
    svc.close()
