"""Generation: answers with citations, from a chat model or extractively.

Two boundaries live here:

- ``ChatModel``: messages in, text out (local SmolLM2 via transformers, any
  OpenAI-compatible endpoint, or the scripted fake for tests).
- ``Answerer``: question + retrieved hits in, answer text pieces out
  (``LLMAnswerer`` over a ChatModel, or ``ExtractiveAnswerer`` with no model).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ragworks.models import Hit, Plan


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    first_token_ms: float | None = None
    extra: dict = field(default_factory=dict)


class ChatModel(Protocol):
    """``stream`` yields text pieces of the reply and fills ``usage`` as it goes.

    It stops at the model's end-of-turn or at any of ``stop``, and after
    ``max_tokens`` tokens. Failures raise ``errors.BackendError``.
    """

    name: str

    def stream(self, messages: Sequence[dict[str, str]], *, max_tokens: int,
               stop: Sequence[str] = (), usage: Usage | None = None) -> Iterator[str]: ...


class Answerer(Protocol):
    """Yields the answer in pieces; cites hits as [1], [2] (1-based, in ``hits`` order)."""

    name: str

    def answer(self, question: str, hits: Sequence[Hit], plan: Plan,
               usage: Usage | None = None) -> Iterator[str]: ...
