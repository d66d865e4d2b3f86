"""reStructuredText (plain docutils or Sphinx-flavoured) to plain text blocks.

docutils parses the document; the doctree is walked into headings, paragraphs,
list items, code blocks and table rows. Sphinx's roles (``:func:`len```,
``:ref:`text <label>```) and directives (``.. index::``, ``.. versionadded::``,
``.. function::``, ``.. code-block::``, ...) are unknown to plain docutils, so
every role and directive a document uses is registered before parsing:

- roles keep their text (the title of ``text <target>``), without markup;
- index, toctree, highlight, meta and similar bookkeeping directives are dropped;
- admonitions (note, warning, seealso, versionadded, deprecated, ...) keep their
  content, led by their name ("Note:", "Added in version 3.2:");
- object descriptions (function, class, method, option, envvar, ...) become a
  paragraph with the signature, followed by their content;
- literal blocks (``::``) and code directives become code blocks.

Nothing is included from other files and raw HTML is never passed through.
Parse errors never fail the document: docutils reports nothing and the text
that could not be parsed stays as plain paragraphs.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

from ragworks.ingest.builder import TextBuilder

_ROLE_USE = re.compile(r":([A-Za-z][\w.+-]*(?::[\w.+-]+)?):`")
_DIRECTIVE_USE = re.compile(r"^[ \t]*\.\.[ \t]+([\w:.+-]+)[ \t]*::", re.M)
_TARGET = re.compile(r"^(.*?)\s*<[^<>]+>$", re.S)

DROP = frozenset(
    "index toctree highlight meta sectionauthor moduleauthor codeauthor currentmodule "
    "tabularcolumns literalinclude include raw only-html ifconfig productionlist "
    "testsetup testcleanup autosummary automodule autoclass autofunction "
    "default-role role".split())
ADMONITION = {
    "note": "Note", "warning": "Warning", "seealso": "See also", "tip": "Tip",
    "important": "Important", "caution": "Caution", "attention": "Attention",
    "danger": "Danger", "error": "Error", "hint": "Hint", "todo": "To do",
    "impl-detail": "CPython implementation detail", "versionadded": "Added in version",
    "versionchanged": "Changed in version", "deprecated": "Deprecated since version",
    "deprecated-removed": "Deprecated since version", "versionremoved": "Removed in version",
}
CODE = frozenset("code code-block sourcecode testcode testoutput doctest parsed-literal".split())
_CODE_LANGS = re.compile(r"^[\w+-]+$")


class _AnyOptions(dict):
    """Accept any directive option (Sphinx directives have many)."""

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged

    def __contains__(self, key: object) -> bool:
        return True


def _role(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
          options: dict | None = None, content: list | None = None) -> tuple[list, list]:
    text = nodes.unescape(text)
    m = _TARGET.match(text)
    shown = (m.group(1) if m and m.group(1) else text).lstrip("~!")
    if "~" in text and "." in shown:
        shown = shown.rsplit(".", 1)[-1]
    return [nodes.literal(rawtext, shown)], []


class _Generic(Directive):
    """Sphinx directives as plain content: dropped, admonition, signature or code."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = _AnyOptions()

    def run(self) -> list[nodes.Node]:
        name = self.name
        arg = self.arguments[0] if self.arguments else ""
        if name in DROP:
            return []
        if name in CODE:
            body = "\n".join(self.content)
            if name == "code-block" or name == "code" or name == "sourcecode":
                arg = "" if _CODE_LANGS.match(arg) else arg
            return [nodes.literal_block(body, "\n".join(p for p in (arg, body) if p))]
        container = nodes.container()
        if name in ADMONITION:
            versioned = name.startswith(("version", "deprecated"))
            first, _, rest = arg.partition("\n") if versioned else ("", "", arg)
            container["lead"] = ADMONITION[name] + (f" {first}" if first else "") + ":"
            if rest.strip():  # text given on the directive line itself
                inline, _ = self.state.inline_text(" ".join(rest.split()), self.lineno)
                container += nodes.paragraph(rest, "", *inline)
        elif arg:
            signature = " ".join(arg.split())
            container += nodes.paragraph(signature, signature)
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


def _register(source: str) -> None:
    for name in set(_ROLE_USE.findall(source)):
        if roles._roles.get(name) is None and name not in roles._role_registry:
            roles.register_local_role(name, _role)
    for name in set(_DIRECTIVE_USE.findall(source)):
        known = name in directives._directive_registry or name in directives._directives
        if not known or name in ("class", "code", "code-block", "sourcecode", "include",
                                 "raw"):
            directives.register_directive(name, _Generic)


def _text(node: nodes.Node) -> str:
    return " ".join(node.astext().split())


class _Walker:
    def __init__(self) -> None:
        self.b = TextBuilder()
        self.title = ""
        self.lead = ""  # "Note:" is said with the paragraph it leads

    def add(self, kind: str, text: str, level: int = 0) -> None:
        if self.lead and kind in ("para", "item"):
            text, self.lead = f"{self.lead} {text}", ""
        elif self.lead and kind == "code":
            self.b.add("para", self.lead)
            self.lead = ""
        self.b.add(kind, text, level)

    def walk(self, node: nodes.Node, depth: int = 1, indent: int = 0) -> None:
        for child in node.children:
            self.visit(child, depth, indent)

    def visit(self, node: nodes.Node, depth: int, indent: int) -> None:  # noqa: C901
        b = self
        if isinstance(node, (nodes.system_message, nodes.comment, nodes.target,
                             nodes.substitution_definition, nodes.raw, nodes.pending,
                             nodes.footnote_reference)):
            return
        if isinstance(node, nodes.section):
            title = next((c for c in node.children if isinstance(c, nodes.title)), None)
            if title is not None:
                b.add("heading", _text(title), level=depth)
                self.title = self.title or _text(title)
            for child in node.children:
                if child is not title:
                    self.visit(child, depth + 1, indent)
        elif isinstance(node, nodes.title):
            b.add("heading", _text(node), level=max(depth - 1, 1))
            if not self.title:
                self.title = _text(node)
        elif isinstance(node, nodes.docinfo | nodes.field_list):
            self._fields(node)
        elif isinstance(node, nodes.paragraph | nodes.rubric | nodes.caption | nodes.attribution
                        | nodes.line):
            b.add("para", _text(node))
        elif isinstance(node, nodes.literal_block | nodes.doctest_block):
            b.add("code", node.astext())
        elif isinstance(node, nodes.bullet_list | nodes.enumerated_list):
            self._list(node, indent)
        elif isinstance(node, nodes.definition_list):
            for item in node.children:
                term = next((c for c in item.children if isinstance(c, nodes.term)), None)
                definition = next((c for c in item.children
                                   if isinstance(c, nodes.definition)), None)
                if term is not None:
                    b.add("para", _text(term) + ":")
                if definition is not None:
                    self.walk(definition, depth, indent)
        elif isinstance(node, nodes.table):
            self._table(node)
        elif isinstance(node, nodes.Admonition) and not isinstance(node, nodes.admonition):
            self.lead = node.tagname.capitalize() + ":"
            self.walk(node, depth, indent)
        elif isinstance(node, nodes.container) and node.get("lead"):
            self.lead = node["lead"]
            self.walk(node, depth, indent)
            if self.lead:  # a bare "deprecated:: 3.4": the lead alone
                lead, self.lead = self.lead, ""
                self.b.add("para", lead.rstrip(":") + ".")
        elif isinstance(node, nodes.Element):
            self.walk(node, depth, indent)

    def _fields(self, node: nodes.Element) -> None:
        for field in node.findall(nodes.field):
            name = _text(field.children[0]).lower()
            if name == "title" and not self.title:
                self.title = _text(field.children[1])
        for child in node.children:  # docinfo's standard fields (author, version, ...)
            if not isinstance(child, nodes.field) and isinstance(child, nodes.Element):
                self.add("para", f"{child.tagname.capitalize()}: {_text(child)}")

    def _list(self, node: nodes.Element, indent: int) -> None:
        ordered = isinstance(node, nodes.enumerated_list)
        number = int(node.get("start", 1)) if ordered else 0
        for item in node.children:
            if not isinstance(item, nodes.list_item):
                continue
            marker = f"{number}." if ordered else "-"
            number += 1
            first, *rest = item.children or [nodes.paragraph("", "")]
            if isinstance(first, nodes.paragraph):
                self.add("item", f"{'  ' * indent}{marker} {_text(first)}")
            else:
                rest = [first, *rest]
            for child in rest:
                if isinstance(child, nodes.bullet_list | nodes.enumerated_list):
                    self._list(child, indent + 1)
                else:
                    self.visit(child, 1, indent + 1)

    def _table(self, node: nodes.Element) -> None:
        rows = [[_text(entry) for entry in row.findall(nodes.entry)]
                for row in node.findall(nodes.row)]
        head = node.next_node(nodes.thead)
        header = [_text(e) for e in head.findall(nodes.entry)] if head is not None else []
        for row in rows[1 if header else 0:]:
            if header and len(header) == len(row):
                cells = [f"{h}: {c}" for h, c in zip(header, row, strict=True) if c]
            else:
                cells = [c for c in row if c]
            if cells:
                self.add("para", "; ".join(cells))


def parse(source: str) -> tuple[str, list, str]:
    """(text, blocks, title) of a reStructuredText document."""
    _register(source)
    settings = {"report_level": 5, "halt_level": 5, "warning_stream": False,
                "file_insertion_enabled": False, "raw_enabled": False,
                "doctitle_xform": False, "sectsubtitle_xform": False,
                "syntax_highlight": "none", "input_encoding": "unicode"}
    tree = publish_doctree(source, settings_overrides=settings)
    walker = _Walker()
    walker.walk(tree)
    if walker.lead:
        walker.b.add("para", walker.lead)
    return walker.b.text(), walker.b.blocks, walker.title
