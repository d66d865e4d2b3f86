"""An answerer with no model: picks the sentences that best answer the question.

Deterministic and fast, so it serves tests, the fallback when a model fails,
and a fair A/B baseline for any generator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

from ragworks.generate import Usage
from ragworks.index.lexical import tokenize
from ragworks.models import Hit, Plan

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
CHITCHAT_REPLIES = {
    "thank": "You're welcome! Ask me anything about your documents.",
    "bye": "Goodbye! Come back with questions about your documents any time.",
    "how are you": "I'm doing well, thanks. What would you like to know from your documents?",
}
DEFAULT_CHITCHAT = "Hello! I answer questions about your documents. What would you like to know?"


def chitchat_reply(question: str) -> str:
    low = question.lower()
    return next((r for k, r in CHITCHAT_REPLIES.items() if k in low), DEFAULT_CHITCHAT)


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, sentences: int = 2) -> None:
        self.sentences = sentences

    def answer(self, question: str, hits: Sequence[Hit], plan: Plan,
               usage: Usage | None = None) -> Iterator[str]:
        if plan.mode == "none":
            yield chitchat_reply(question)
            return
        want = 4 if plan.mmr else self.sentences + (1 if plan.decompose else 0)
        chosen = self._select(question, hits, want, diverse=plan.mmr or plan.decompose)
        for i, (_, n, sentence) in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"{sentence} [{n}]"
        if usage is not None:
            usage.output_tokens = sum(len(s.split()) for _, _, s in chosen)

    def _select(self, question: str, hits: Sequence[Hit], want: int,
                diverse: bool) -> list[tuple[float, int, str]]:
        q = set(tokenize(question))
        top = max((h.fused for h in hits), default=1.0) or 1.0
        sentences = [(n, pos, m.group(0).strip())
                     for n, hit in enumerate(hits, 1)
                     for pos, m in enumerate(_SENTENCE.finditer(hit.chunk.text))]
        words = [set(tokenize(s)) for _, _, s in sentences]
        # Rare question words (an error code, a product name) count more than common ones.
        df = {t: sum(t in w for w in words) for t in q}
        idf = {t: math.log(1 + len(words) / (1 + df[t])) for t in q}
        scored: list[tuple[float, int, str, int]] = []
        for (n, pos, sentence), ws in zip(sentences, words, strict=True):
            if len(ws) < 3:
                continue
            overlap = sum(idf[t] for t in q & ws) / math.sqrt(len(ws))
            score = overlap + 0.6 * hits[n - 1].fused / top - 0.02 * pos - 0.05 * n
            scored.append((score, n, sentence, pos))
        scored.sort(key=lambda s: -s[0])
        if scored and not diverse:  # a factoid answer keeps only sentences close to the best
            scored = [s for s in scored if s[0] >= 0.6 * scored[0][0]]
        chosen: list[tuple[float, int, str, int]] = []
        used_hits: set[int] = set()
        for item in scored:
            if len(chosen) >= want:
                break
            if diverse and item[1] in used_hits and len(used_hits) < len(hits):
                continue
            if any(item[2] == c[2] for c in chosen):
                continue
            chosen.append(item)
            used_hits.add(item[1])
        if diverse and len(chosen) < want:  # not enough distinct hits: fill from the rest
            chosen += [s for s in scored if s not in chosen][: want - len(chosen)]
        # Read in document order: by hit rank, then position in the chunk.
        chosen.sort(key=lambda s: (s[1], s[3]))
        return [(s[0], s[1], s[2]) for s in chosen]
