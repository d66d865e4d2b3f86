"""Typed, frozen stage outputs shared by ingestion, retrieval and generation."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, Field

CATEGORIES = ("chitchat", "factoid", "multi_hop", "summary", "out_of_scope")


def content_hash(*parts: str | bytes, length: int = 32) -> str:
    """Stable id from content: the same parts always give the same id."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()[:length]


def embed_text(title: str, section: str, text: str) -> str:
    """The text the embedder and the lexical index see: title and section give context."""
    head = " > ".join(p for p in (title, section) if p)
    return f"{head}\n{text}" if head else text


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Block(Frozen):
    """A structural unit of a parsed document: a heading or a paragraph."""

    kind: str  # "heading" | "para"
    text: str
    start: int
    end: int
    level: int = 0


class ParsedDocument(Frozen):
    """``text`` is what citation offsets index: the file's own text for Markdown,
    reStructuredText and plain text, the extracted text for HTML, PDF and docx.
    ``clean`` is the readable plain text the blocks index (markup gone, hard wraps
    re-flowed; empty when it is ``text`` itself), and ``anchors`` map its words back
    into ``text``: (clean offset, text offset, length) per word found there."""

    text: str
    title: str
    blocks: tuple[Block, ...]
    media_type: str
    clean: str = ""
    anchors: tuple[tuple[int, int, int], ...] = ()

    @property
    def body(self) -> str:
        return self.clean or self.text

    def source_span(self, start: int, end: int, keys: list[int] | None = None
                    ) -> tuple[int, int]:
        """Offsets in ``text`` of the clean span [start, end). ``keys`` (the anchors' clean
        offsets) can be passed by a caller mapping many spans, so they are built once."""
        if not self.anchors:
            return start, end
        import bisect

        keys = keys if keys is not None else [a[0] for a in self.anchors]
        i = bisect.bisect_left(keys, start)
        j = bisect.bisect_right(keys, end - 1) - 1
        if i >= len(self.anchors) or j < 0 or j < i:
            return start, end
        s_clean, s_src, _ = self.anchors[i]
        e_clean, e_src, e_len = self.anchors[j]
        return s_src, e_src + min(e_len, end - e_clean)


class Document(Frozen):
    id: str
    tenant: str
    collection: str
    source: str
    title: str
    media_type: str
    content_hash: str
    size_bytes: int
    chunk_count: int
    created_at: float
    #: what screening found in its text (e.g. "override": text that tries to instruct the
    #: model); its flagged passages are kept out of answers (ingest/screen.py)
    flags: tuple[str, ...] = ()


class Chunk(Frozen):
    id: str
    doc_id: str
    tenant: str
    collection: str
    source: str
    title: str
    section: str
    text: str
    start: int
    end: int
    ordinal: int

    @property
    def embed_text(self) -> str:
        return embed_text(self.title, self.section, self.text)


class Hit(Frozen):
    chunk: Chunk
    lexical: float = 0.0
    dense: float = 0.0
    fused: float = 0.0
    lexical_rank: int | None = None
    dense_rank: int | None = None


class Citation(Frozen):
    marker: int
    chunk_id: str
    doc_id: str
    source: str
    title: str
    section: str
    start: int
    end: int
    snippet: str


class Plan(Frozen):
    category: str
    mode: str = "hybrid"  # "none" | "hybrid"
    top_k: int = 5
    candidates: int = 30
    mmr: bool = False
    decompose: bool = False
    fallback: bool = False
    prompt: str = "answer_v1"
    sub_questions: tuple[str, ...] = ()


class Scope(Frozen):
    tenant: str
    collection: str | None = None


class Answer(Frozen):
    answer: str
    citations: tuple[Citation, ...] = ()
    category: str
    confidence: float
    plan: Plan
    covered: bool = True
    latency_ms: float = 0.0
    stage_ms: dict[str, float] = Field(default_factory=dict)
    hits: tuple[Hit, ...] = ()
    model: str = ""
    trace_id: str = ""
