"""An optional LLM judge for evaluation runs: faithfulness and relevance, 1-5.

Any configured chat backend can judge (``--judge openai:gpt-4o-mini``,
``--judge local:smollm2``). Scores are rescaled to 0..1 ((n - 1) / 4) so they
aggregate and compare like the other metrics. A reply that does not follow the
two-line format scores nothing for that item (counted as ``judge_unparsed``),
never a guess.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from ragworks.generate import ChatModel, Usage
from ragworks.generate.llm import format_context
from ragworks.generate.prompts import load_prompt
from ragworks.models import Hit
from ragworks.observe.recorder import TraceRecorder

_LINE = re.compile(r"^\s*\**(faithfulness|relevance)\**\s*[:=]\s*\**\s*([1-5])\b",
                   re.IGNORECASE | re.MULTILINE)
PROMPT = "judge_v1"


def parse_grades(text: str) -> dict[str, float] | None:
    found = {m.group(1).lower(): int(m.group(2)) for m in _LINE.finditer(text)}
    if set(found) != {"faithfulness", "relevance"}:
        return None
    return {f"judge_{k}": (v - 1) / 4 for k, v in found.items()}


class LLMJudge:
    def __init__(self, chat: ChatModel, max_contexts: int = 5, max_words: int = 120) -> None:
        self.chat, self.max_contexts, self.max_words = chat, max_contexts, max_words
        self.name = chat.name

    def messages(self, question: str, answer: str, hits: Sequence[Hit],
                 reference: str | None) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": load_prompt(PROMPT, "system")},
            {"role": "user", "content": load_prompt(PROMPT, "user").format(
                question=question, answer=answer, reference=reference or "(none)",
                context=format_context(hits[: self.max_contexts], self.max_words))},
        ]

    def grade(self, question: str, answer: str, hits: Sequence[Hit], reference: str | None,
              trace: TraceRecorder | None = None) -> dict[str, float] | None:
        messages = self.messages(question, answer, hits, reference)
        usage = Usage()
        start = time.time()
        text = "".join(self.chat.stream(messages, max_tokens=24, usage=usage))
        grades = parse_grades(text)
        if trace is not None:
            trace.record("judge", start, time.time(), type="generation", model=self.name,
                         input=messages, output=text, prompt_name="judge", prompt_version="1",
                         input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                         metadata={"parsed": grades is not None})
        return grades
