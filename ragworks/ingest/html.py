"""HTML to plain text blocks, in one linear walk over the tree (selectolax/lexbor).

Visible text only: ``<script>``, ``<style>``, ``<template>``, ``<noscript>``,
comments, navigation chrome (``nav``, ``header``, ``footer``) and anything hidden
(the ``hidden`` attribute, ``aria-hidden="true"``, inline ``display:none`` or
``visibility:hidden``, ``type="hidden"`` inputs) are dropped with their subtree.
Headings become headings, ``li`` list items, ``pre`` code blocks, a table's rows one
paragraph each with every cell named by its column's header (``builder.table_rows``);
inline elements join the text of the block around them.
The walk uses an explicit stack, so deeply nested markup costs linear time and
no recursion.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ragworks.ingest.builder import TextBuilder, table_rows

SKIP = frozenset("script style noscript template nav header footer head svg math iframe "
                 "object embed canvas select button form input textarea".split())
BLOCK = frozenset("p div section article main aside blockquote li dt dd pre table tr td th "
                  "ul ol dl h1 h2 h3 h4 h5 h6 figure figcaption address hr br body html "
                  "details summary caption".split())
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))


class _Walk:
    def __init__(self) -> None:
        self.b = TextBuilder()
        self.inline: list[str] = []
        self.kind = "para"
        self.level = 0
        self.cells: list[str] = []
        self.cell_start = 0
        #: the rows of each table being read (a table inside a cell has its own)
        self.tables: list[list[list[str]]] = []

    def flush(self) -> None:
        text = "".join(self.inline)
        self.inline = []
        if not text.strip():
            return
        if self.kind == "cell":
            self.cells.append(" ".join(text.split()))
        elif self.kind == "code":
            self.b.add("code", text)
        else:
            self.b.add(self.kind, text, level=self.level)

    def open(self, tag: str, node: LexborNode) -> None:
        self.flush()
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.kind, self.level = "heading", int(tag[1])
        elif tag == "li":
            ordered = node.parent is not None and node.parent.tag == "ol"
            self.kind, self.level = "item", 0
            self.inline.append("1. " if ordered else "- ")
        elif tag == "pre":
            self.kind, self.level = "code", 0
        elif tag in ("td", "th"):
            self.kind, self.cell_start = "cell", len(self.cells)
        elif tag == "table":
            self.tables.append([])
            self.kind, self.level = "para", 0
        else:
            self.kind, self.level = "para", 0

    def close(self, tag: str) -> None:
        self.flush()
        if tag == "tr" and self.cells:
            if self.tables:
                self.tables[-1].append(self.cells)
            else:  # a row outside any table
                self.b.add("para", "; ".join(c for c in self.cells if c))
            self.cells = []
        if tag == "table" and self.tables:
            for row in table_rows(self.tables.pop()):
                self.b.add("para", row)
        if tag in ("td", "th"):
            if len(self.cells) == self.cell_start:
                self.cells.append("")  # an empty cell still takes its column
            return
        self.kind, self.level = "para", 0


def parse(source: str) -> tuple[str, list, str]:
    """(text, blocks, title) of an HTML document."""
    tree = LexborHTMLParser(source)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else ""
    root = tree.body or tree.root
    w = _Walk()
    if root is None:
        return "", [], title
    # (node, closing?) pairs: a block's closing entry flushes its text
    stack: list[tuple[LexborNode, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag or ""
        if closing:
            w.close(tag)
            continue
        if tag == "-text":
            text = node.text_content or ""
            w.inline.append(text if w.kind == "code" else re.sub(r"\s+", " ", text))
            continue
        if tag.startswith(("-", "_", "!")) or tag in SKIP or _hidden(node):
            continue  # comments, doctype, hidden and non-content elements
        block = tag in BLOCK
        if block:
            w.open(tag, node)
            stack.append((node, True))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        stack.extend((c, False) for c in reversed(children))
    w.flush()
    return w.b.text(), w.b.blocks, title
