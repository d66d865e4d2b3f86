"""A deterministic chat model for tests and demos (like pydantic-ai's TestModel).

It replies with a fixed script, or by default with the first sentence of the
first context passage followed by [1], so answers look like a real model's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ragworks import turns
from ragworks.generate import Usage


class ScriptedChatModel:
    name = "scripted"

    def __init__(self, replies: Sequence[str] = ()) -> None:
        self.replies = list(replies)
        self.calls: list[list[dict[str, str]]] = []

    def stream(self, messages: Sequence[dict[str, str]], *, max_tokens: int,
               stop: Sequence[str] = (), usage: Usage | None = None) -> Iterator[str]:
        self.calls.append(list(messages))
        if self.replies:
            reply = self.replies.pop(0)
        else:
            m = re.search(r"\[1\] \([^)]*\) ([^.\n]+\.?)", messages[-1]["content"])
            reply = f"{m.group(1)} [1]" if m else "Hello! Ask me about your documents."
        words = reply.split(" ")[:max_tokens]
        if usage is not None:
            usage.input_tokens = sum(len(m["content"].split()) for m in messages)
            usage.output_tokens = len(words)
            usage.first_token_ms = 0.0
        for i, word in enumerate(words):
            turns.check()  # as the local model does: background work gives way to users
            yield word if i == 0 else " " + word
