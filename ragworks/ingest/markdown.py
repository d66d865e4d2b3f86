"""Markdown to plain text blocks with markdown-it-py (CommonMark plus tables).

Headings become headings; paragraphs, block quotes and table rows become
paragraphs; list items keep their marker ("- " or "1. ") so lists and steps keep
their structure; fenced and indented code become code blocks. Inline markup goes:
emphasis and strong markers, backticks around code, link syntax (the link text
stays), images (the alt text stays), HTML tags and comments (``<!-- ... -->``,
which Node.js-style docs use for metadata). Reference links whose definition is
missing (``[`path.sep`][]``) keep their text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ragworks.ingest.builder import TextBuilder

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_DANGLING_REF = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)


def inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        t = child.type
        if t in ("text", "code_inline"):
            parts.append(child.content)
        elif t in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif t == "image":
            parts.append(child.content or "")
        elif t == "html_inline":
            continue  # <kbd>, </kbd>, <br>: the text between them stays
    text = "".join(parts)
    return _TAG.sub("", _DANGLING_REF.sub(r"\1", text))


class _Walker:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.b = TextBuilder()
        self.title = ""
        self.lists: list[list[int]] = []  # per open list: [ordered?, next number]
        self.cells: list[str] = []
        self.pending_item = False

    def run(self) -> None:
        handlers = {
            "heading_open": self.heading, "bullet_list_open": self.list_open,
            "ordered_list_open": self.list_open, "bullet_list_close": self.list_close,
            "ordered_list_close": self.list_close, "list_item_open": self.item_open,
            "inline": self.inline, "fence": self.code, "code_block": self.code,
            "html_block": self.html, "th_open": self.cell, "td_open": self.cell,
            "tr_close": self.row,
        }
        for i, tok in enumerate(self.tokens):
            handler = handlers.get(tok.type)
            if handler is not None:
                handler(i, tok)

    def heading(self, i: int, tok: Token) -> None:
        text = inline_text(self.tokens[i + 1])
        level = int(tok.tag[1])
        self.b.add("heading", text, level=level)
        if level == 1 and not self.title:
            self.title = text.strip()

    def list_open(self, i: int, tok: Token) -> None:
        ordered = tok.type == "ordered_list_open"
        self.lists.append([ordered, int(tok.attrGet("start") or 1) if ordered else 0])

    def list_close(self, i: int, tok: Token) -> None:
        self.lists.pop()

    def item_open(self, i: int, tok: Token) -> None:
        self.pending_item = True

    def inline(self, i: int, tok: Token) -> None:
        if self.tokens[i - 1].type != "paragraph_open":
            return  # headings and table cells read their own inline token
        text = inline_text(tok)
        if self.pending_item and self.lists:
            ordered, number = self.lists[-1]
            marker = f"{number}." if ordered else "-"
            if ordered:
                self.lists[-1][1] += 1
            self.b.add("item", f"{'  ' * (len(self.lists) - 1)}{marker} {text}")
            self.pending_item = False
        else:
            self.b.add("para", text)

    def code(self, i: int, tok: Token) -> None:
        self.b.add("code", tok.content)

    def html(self, i: int, tok: Token) -> None:
        text = _TAG.sub(" ", tok.content)
        if text.strip():
            self.b.add("para", text)

    def cell(self, i: int, tok: Token) -> None:
        self.cells.append(inline_text(self.tokens[i + 1]).strip())

    def row(self, i: int, tok: Token) -> None:
        if any(self.cells):
            self.b.add("para", "; ".join(c for c in self.cells if c))
        self.cells = []


def parse(source: str) -> tuple[str, list, str]:
    """(text, blocks, title) of a Markdown document."""
    walker = _Walker(_MD.parse(source))
    walker.run()
    return walker.b.text(), walker.b.blocks, walker.title
