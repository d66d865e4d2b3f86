"""Structure-aware chunking: sections never mix, sentences never split unless huge.

Each chunk is one contiguous span ``text[start:end]`` of the parsed text, inside
one section (its heading path is kept), within a token budget, and overlapping
the previous chunk of the same section by up to ``overlap`` tokens of whole
sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ragworks.models import Chunk, ParsedDocument, content_hash

_TOKEN = re.compile(r"\w+|[^\w\s]")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|\n|$)")


#: chunking profiles besides "default" (the RAGWORKS_CHUNK_* settings): (budget, overlap)
PROFILES: dict[str, tuple[int, int]] = {"small": (90, 15), "large": (360, 45)}


def count_tokens(text: str) -> int:
    """A cheap, tokenizer-free estimate (words and punctuation marks)."""
    return len(_TOKEN.findall(text))


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int


def _units(text: str, start: int, end: int, budget: int) -> Iterator[_Unit]:
    """Sentences of text[start:end]; a sentence over budget is cut into word windows."""
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        n = count_tokens(text[s:e])
        if n <= budget:
            yield _Unit(s, e, n)
            continue
        words = list(re.finditer(r"\S+", text[s:e]))
        step = max(1, budget // 2)
        for i in range(0, len(words), step):
            w = words[i:i + step]
            ws, we = s + w[0].start(), s + w[-1].end()
            yield _Unit(ws, we, count_tokens(text[ws:we]))


def chunk_document(
    parsed: ParsedDocument, *, doc_id: str, tenant: str, collection: str, source: str,
    budget: int = 180, overlap: int = 30,
) -> list[Chunk]:
    text = parsed.text
    chunks: list[Chunk] = []
    path: list[tuple[int, str]] = []
    current: list[_Unit] = []

    def flush(carry: bool) -> None:
        nonlocal current
        if not current:
            return
        start, end = current[0].start, current[-1].end
        body = text[start:end]
        section = " > ".join(t for _, t in path)
        chunks.append(Chunk(
            id=content_hash(doc_id, str(len(chunks)), body), doc_id=doc_id, tenant=tenant,
            collection=collection, source=source, title=parsed.title, section=section,
            text=body, start=start, end=end, ordinal=len(chunks),
        ))
        kept: list[_Unit] = []
        if carry:
            total = 0
            for unit in reversed(current):
                if total + unit.tokens > overlap or len(kept) + 1 >= len(current):
                    break
                kept.insert(0, unit)
                total += unit.tokens
        current = kept

    for block in parsed.blocks:
        if block.kind == "heading":
            flush(carry=False)
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, block.text.strip()))
            continue
        for unit in _units(text, block.start, block.end, budget):
            if current and sum(u.tokens for u in current) + unit.tokens > budget:
                flush(carry=True)
            current.append(unit)
    flush(carry=False)
    return chunks
