"""Text helpers every layer may use: words for search, sentences with offsets, hashes.

    tokenize("Carried-over days expire")      # ['carri', 'day', 'expire']
    for start, end in sentence_spans(text): ...
    text_hash(chunk)                          # the key of a chunk's vector
    minmax([2.0, 4.0, 3.0])                   # [0.0, 1.0, 0.5]

Sentences are segmented by blingfire's finite-state segmenter, chosen by measurement
(``bench/segmenters.py``): on 35 hand-made cases from real documentation (decimals,
versions, file names, abbreviations, list markers, URLs, method calls) blingfire got 33
right and pysbd 34, but blingfire segments about 10 MB/s against pysbd's 27 kB/s, which
makes it affordable on the query path (the extractive answerer segments every retrieved
passage). Its two known misses are mended here: a bare list marker ("1.") is joined to
the sentence it opens, and a one-word answer ("Yes.", "No.") is split from the sentence
that follows it.

Line structure is respected: a blank line always ends a sentence, and so does a
line break before a list item or an indented code line, so list items, steps and
code never merge with prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import blingfire

from ragworks.models import Chunk, content_hash

STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with what which who whom when where why how do "
    "does did i me my we our you your he she his her its them than so can could should would "
    "has have had been being am about from up out over under again further once here all any "
    "both each few more most other some own same too very s t just don now".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


def tokenize(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


_MARKER_ONLY = re.compile(r"\(?(\d{1,3}|[a-zA-Z])[.)]|[-*•]")
_SHORT_REPLY = re.compile(r"(?:^|(?<=[.!?]\s))(?:Yes|No|Yes and yes|No, sorry|Nothing)\.\s+(?=\S)")
#: a line that starts a new unit: a list item or an indented (code) line
_LINE_START = re.compile(r"\n(?=[ \t]*(?:[-*•]\s|\d{1,3}[.)]\s|[a-z][.)]\s)|[ \t]{2,}\S)")


def _blocks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans separated by blank lines or by line breaks that begin a list item."""
    pos = start
    for m in re.finditer(r"\n[ \t]*\n+", text[start:end]):
        yield from _lines(text, pos, start + m.start())
        pos = start + m.end()
    yield from _lines(text, pos, end)


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for m in _LINE_START.finditer(text, start, end):
        yield pos, m.start()
        pos = m.end()
    yield pos, end


def sentence_spans(text: str, start: int = 0, end: int | None = None
                   ) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text[start:end]``, whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for bs, be in _blocks(text, start, end):
        block = text[bs:be]
        if not block.strip():
            continue
        raw = blingfire.text_to_sentences_and_offsets(block)[1] if block.strip() else []
        pieces: list[list[int]] = []
        for s, e in raw:
            piece = block[s:e]
            if pieces and _MARKER_ONLY.fullmatch(block[pieces[-1][0]:pieces[-1][1]].strip()):
                pieces[-1][1] = e  # "1." + "Is zlib Y2K-compliant?"
                continue
            cut = s
            for m in _SHORT_REPLY.finditer(piece):
                if s + m.start() > cut:
                    pieces.append([cut, s + m.start()])
                pieces.append([s + m.start(), s + m.end()])
                cut = s + m.end()
            pieces.append([cut, e])
        for s, e in pieces:
            while s < e and block[s].isspace():
                s += 1
            while e > s and block[e - 1].isspace():
                e -= 1
            if s < e:
                spans.append((bs + s, bs + e))
    return spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def text_hash(chunk: Chunk) -> str:
    """The key of a chunk's vector: the hash of the text it is embedded from."""
    return content_hash(chunk.embed_text)


def minmax(values: Sequence[float]) -> list[float]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        return [1.0 if hi > 0 else 0.0 for _ in values]
    return [(v - lo) / (hi - lo) for v in values]
