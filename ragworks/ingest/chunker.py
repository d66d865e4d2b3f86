"""Structure-aware chunking: sections never mix, sentences never split unless huge.

Units are whole sentences (``ragworks.text``), whole list items, or lines of a
code block, so a chunk starts and ends where a sentence does.

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
from ragworks.text import sentence_spans

_TOKEN = re.compile(r"\w{1,32}|[^\w\s]")  # a run of 32 word characters counts as one
#: a "word" longer than this is cut into pieces (a 19 MB file of one token must not
#: become one 19 MB chunk)
MAX_WORD_CHARS = 64


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


def _units(text: str, start: int, end: int, budget: int, kind: str = "para"
           ) -> Iterator[_Unit]:
    """Sentences of a paragraph, a whole list item, or the lines of a code block; a unit
    over budget is cut into word windows."""
    if kind == "code":
        spans = [(start + m.start(), start + m.end())
                 for m in re.finditer(r"[^\n]*\S[^\n]*", text[start:end])]
    elif kind == "item":
        spans = [(start, end)]
    else:
        spans = sentence_spans(text, start, end)
    for s, e in spans:
        n = count_tokens(text[s:e])
        if n <= budget:
            yield _Unit(s, e, n)
            continue
        words = list(re.finditer(rf"\S{{1,{MAX_WORD_CHARS}}}", text[s:e]))
        step = max(1, budget // 2)
        for i in range(0, len(words), step):
            w = words[i:i + step]
            ws, we = s + w[0].start(), s + w[-1].end()
            yield _Unit(ws, we, count_tokens(text[ws:we]))


def chunk_document(
    parsed: ParsedDocument, *, doc_id: str, tenant: str, collection: str, source: str,
    budget: int = 180, overlap: int = 30,
) -> list[Chunk]:
    text = parsed.body
    keys = [a[0] for a in parsed.anchors]  # built once, not per chunk
    chunks: list[Chunk] = []
    path: list[tuple[int, str]] = []
    current: list[_Unit] = []

    def flush(carry: bool) -> None:
        nonlocal current
        if not current:
            return
        start, end = current[0].start, current[-1].end
        body = text[start:end]
        start, end = parsed.source_span(start, end, keys)  # citations point into the file
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
        for unit in _units(text, block.start, block.end, budget, block.kind):
            if current and sum(u.tokens for u in current) + unit.tokens > budget:
                flush(carry=True)
            current.append(unit)
    flush(carry=False)
    return chunks
