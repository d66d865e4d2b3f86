"""Build extracted plain text and its blocks together, so offsets always match.

Every parser (Markdown, reStructuredText, plain text, HTML, PDF, docx) emits
blocks through one ``TextBuilder``: a heading, a paragraph, a list item or a
code block. Blocks are separated by a blank line, consecutive list items by one line
break; code lines are indented by four spaces (the plain-text convention, which
also tells the extractive answerer what is code); a block's ``start``/``end``
index this clean text exactly (``ParsedDocument.anchors`` map it back to the file).

    b = TextBuilder()
    b.add("heading", "Install", level=1)
    b.add("para", "Run the installer.")
    b.add("item", "- Download it.")
    text, blocks = b.text(), b.blocks
"""

from __future__ import annotations

import re

from ragworks.models import Block

KINDS = ("heading", "para", "item", "code")


class TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.blocks: list[Block] = []
        self.pos = 0

    def add(self, kind: str, text: str, level: int = 0) -> None:
        assert kind in KINDS, kind
        if kind == "code":  # indented by four spaces, the plain-text sign of code
            lines = [ln.rstrip().expandtabs(4) for ln in text.strip("\n").split("\n")]
            cut = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
            text = "\n".join(f"    {ln[cut:]}" if ln.strip() else "" for ln in lines)
            if not text.strip():
                return
        else:
            text = re.sub(r"\s+", " ", text).strip()
            if not text:
                return
        if self.parts:
            sep = "\n" if kind == "item" and self.blocks[-1].kind == "item" else "\n\n"
            self.parts.append(sep)
            self.pos += len(sep)
        self.blocks.append(Block(kind=kind, text=text, start=self.pos,
                                 end=self.pos + len(text), level=level))
        self.parts.append(text)
        self.pos += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def table_rows(rows: list[list[str]]) -> list[str]:
    """A table as one paragraph per row, each cell named by its column's header, so that
    "what is the limit for X" finds the row that says it: ``["Plan: Basic; Limit: 10 GB"]``.
    The first row is the header when its cells are all filled and distinct; the header
    itself is kept as a row of column names. Without a header, cells are joined by ``; ``."""
    rows = [[" ".join((c or "").split()) for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    header = rows[0]
    if len(rows) < 2 or not all(header) or len(set(header)) < len(header):
        return ["; ".join(c for c in row if c) for row in rows]
    out = ["; ".join(header)]
    for row in rows[1:]:
        named = [f"{h}: {c}" if h else c for h, c in zip(header, row, strict=False) if c]
        named += [c for c in row[len(header):] if c]
        out.append("; ".join(named))
    return out
