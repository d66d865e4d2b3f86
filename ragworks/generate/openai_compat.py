"""Any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp server)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence

import httpx

from ragworks.errors import BackendError
from ragworks.generate import Usage


class OpenAIChatModel:
    """Example::

        chat = OpenAIChatModel("http://127.0.0.1:8080/v1", model="gpt-4o-mini", api_key="sk-...")
    """

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not base_url:
            raise ValueError("an OpenAI-compatible model needs RAGWORKS_OPENAI_BASE_URL")
        self.name = model
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers,
                                   timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self.client.close()

    def stream(self, messages: Sequence[dict[str, str]], *, max_tokens: int,
               stop: Sequence[str] = (), usage: Usage | None = None) -> Iterator[str]:
        body = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens,
                "stream": True, "stream_options": {"include_usage": True}, "temperature": 0}
        if stop:
            body["stop"] = list(stop)[:4]
        started = time.perf_counter()
        try:
            with self.client.stream("POST", "/chat/completions", json=body) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    raise BackendError(
                        f"LLM endpoint answered {resp.status_code}: {resp.text[:200]}")
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    event = json.loads(data)
                    if usage is not None and event.get("usage"):
                        usage.input_tokens = int(event["usage"].get("prompt_tokens", 0))
                        usage.output_tokens = int(event["usage"].get("completion_tokens", 0))
                    for choice in event.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content") or ""
                        if piece:
                            if usage is not None and usage.first_token_ms is None:
                                usage.first_token_ms = (time.perf_counter() - started) * 1000
                            yield piece
        except httpx.HTTPError as exc:
            raise BackendError(f"LLM endpoint unreachable: {type(exc).__name__}: {exc}") from None
        except json.JSONDecodeError:
            raise BackendError("LLM endpoint sent a malformed stream event") from None
