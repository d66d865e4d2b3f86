"""An answerer that prompts a chat model with numbered context passages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from ragworks.generate import ChatModel, Usage
from ragworks.generate.prompts import load_prompt
from ragworks.models import Hit, Plan


def format_context(hits: Sequence[Hit], max_words: int,
                   texts: Sequence[str] | None = None) -> str:
    """The numbered passages of a prompt: ``texts`` (chosen sentences) where given,
    else each passage's first ``max_words`` words."""
    lines = []
    for n, hit in enumerate(hits, 1):
        words = hit.chunk.text.split()
        text = texts[n - 1] if texts is not None else \
            " ".join(words[:max_words]) + (" ..." if len(words) > max_words else "")
        if not text:  # nothing of it was chosen: left out, the others keep their numbers
            continue
        where = hit.chunk.source + (f", {hit.chunk.section}" if hit.chunk.section else "")
        lines.append(f"[{n}] ({where}) {text}")
    return "\n".join(lines)


class LLMAnswerer:
    """Example::

        answerer = LLMAnswerer(LocalChatModel(), max_contexts=4)
        text = "".join(answerer.answer(question, hits, plan))
    """

    def __init__(self, chat: ChatModel, max_tokens: int = 160, max_contexts: int = 4,
                 max_context_words: int = 90,
                 focus: Callable[[str, Sequence[Hit], int], list[str]] | None = None,
                 select: Callable[[str, Sequence[Hit], int], list[str]] | None = None,
                 prompt_words: int = 0) -> None:
        #: ``focus(question, hits, words)``: the sentences of each passage that matter
        #: (``ExtractiveAnswerer.focus``), so that the prompt is short
        self.focus = focus
        #: ``select(question, hits, words)``: the best sentences of all passages within
        #: ``prompt_words`` words in all (``ExtractiveAnswerer.select``); wins over focus
        self.select, self.prompt_words = select, prompt_words
        self.chat = chat
        self.name = chat.name
        self.max_tokens = max_tokens
        self.max_contexts = max_contexts
        self.max_context_words = max_context_words

    def passages(self, question: str, hits: Sequence[Hit]) -> list[str] | None:
        """What the model reads of each passage (None: each one's first words)."""
        shown = hits[: self.max_contexts]
        if self.select is not None and self.prompt_words > 0:
            return self.select(question, shown, self.prompt_words)
        return self.focus(question, shown, self.max_context_words) if self.focus else None

    def messages(self, question: str, hits: Sequence[Hit], plan: Plan,
                 texts: list[str] | None = None) -> list[dict[str, str]]:
        shown = hits[: self.max_contexts]
        context = format_context(shown, self.max_context_words, texts)
        return [
            {"role": "system", "content": load_prompt(plan.prompt, "system")},
            {"role": "user", "content": load_prompt(plan.prompt, "user").format(
                context=context, question=question)},
        ]

    def answer(self, question: str, hits: Sequence[Hit], plan: Plan,
               usage: Usage | None = None) -> Iterator[str]:
        max_tokens = 48 if plan.mode == "none" else self.max_tokens
        texts = self.passages(question, hits)
        messages = self.messages(question, hits, plan, texts)
        if usage is not None:  # what the trace's generation shows
            if texts is not None:  # and what the verifier checks a sentence against
                usage.extra["read"] = texts
            usage.extra.update(messages=messages, model_parameters={
                "max_tokens": max_tokens, "temperature": 0})
        yield from self.chat.stream(messages, max_tokens=max_tokens,
                                    stop=("\nQuestion:", "\nContext:"), usage=usage)
