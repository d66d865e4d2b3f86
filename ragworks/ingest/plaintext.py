"""Plain text (often hard-wrapped, as FAQs and READMEs are) to paragraphs.

- Hard-wrapped lines are re-flowed into one paragraph ("appli-\\ncation" is
  joined without the break, other line ends become a space).
- A line that starts a list item ("* ", "- ", "1. ", "a) ") starts a new item.
- A paragraph indented clearly deeper than the document's prose is a code or
  example block and keeps its lines.
- Separator lines (``-----``, ``=====``, ``********``) are dropped.
- A short question ("... ?"), or a short numbered line followed by a deeper
  indented answer, is a heading: FAQ entries become sections, so an answer's
  chunk carries its question and the answer text does not start with it.
  "Q:", "A:" and entry numbers ("1.", "3.2.") are taken off.
"""

from __future__ import annotations

import re
from collections import Counter

from ragworks.ingest.builder import TextBuilder

_SEPARATOR = re.compile(r"[\s\-=~*_#+.:|]{3,}")
_ITEM = re.compile(r"([-*•+o]|\(?\d{1,3}[.)]|[a-z][.)])\s+\S")
_QA = re.compile(r"^(Q|A)[.:]\s+")
_NUMBER = re.compile(r"^(\d{1,3}\.)+\d{0,3}\.?\s+")
_END = tuple(".!?:;,")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _paragraphs(text: str) -> list[list[str]]:
    paras: list[list[str]] = []
    cur: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or _SEPARATOR.fullmatch(line.strip()) and len(line.strip()) >= 3 \
                and not any(c.isalnum() for c in line):
            if cur:
                paras.append(cur)
                cur = []
            continue
        cur.append(line.rstrip())
    if cur:
        paras.append(cur)
    return paras


def _base(para: list[str]) -> int:
    first = para[0]
    m = _QA.match(first.strip())
    if m:  # "A:  text" counts as text at the indent after the label
        return _indent(first) + len(m.group(0))
    return min(_indent(ln) for ln in para)


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        s = line.strip()
        if out.endswith("-") and s[:1].islower() and not out.endswith(" -"):
            out += s
        else:
            out = f"{out} {s}" if out else s
    return out


def _strip_label(text: str) -> str:
    text = _QA.sub("", text.strip())
    return _NUMBER.sub("", text) if _NUMBER.match(text) else text


def _is_heading(para: list[str], nxt: list[str] | None, prose: int) -> bool:
    if nxt is None:
        return False
    joined = _join(para)
    if len(para) <= 3 and len(joined) <= 300 and joined.endswith("?"):
        return True
    if len(para) <= 3 and len(joined) <= 200 and _base(nxt) > _base(para) + 1 \
            and _NUMBER.match(joined) and _base(para) <= prose:
        return True
    s = joined.strip()
    return (len(para) == 1 and 0 < len(s) <= 80 and not s.endswith(_END)
            and len(s.split()) <= 12 and s[0].isalnum() and _base(nxt) <= _base(para) + 8)


def _question_lines(para: list[str]) -> int:
    """How many leading lines of a numbered or "Q:" paragraph are its question (0: none)."""
    if not (_NUMBER.match(para[0].strip()) or _QA.match(para[0].strip())):
        return 0
    for n, line in enumerate(para[:3], 1):
        if line.rstrip().endswith("?") and n < len(para):
            return n
    return 0


def _items(para: list[str], base: int) -> list[list[str]]:
    """Split a paragraph into list items (a single group when it is prose)."""
    groups: list[list[str]] = []
    for line in para:
        s = line.strip()
        bullet = s[:2] in ("* ", "- ", "• ")
        if _ITEM.match(s) and (_indent(line) <= base + 2 or bullet) or not groups:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def parse(text: str) -> tuple[str, list, str]:
    """(text, blocks, title) of a plain-text document."""
    paras = _paragraphs(text.expandtabs(8))
    multi = [_base(p) for p in paras if len(p) >= 2]
    prose = Counter(multi).most_common(1)[0][0] if multi else 0
    b = TextBuilder()
    title = ""
    for i, para in enumerate(paras):
        nxt = paras[i + 1] if i + 1 < len(paras) else None
        base = _base(para)
        if not b.blocks and len(para) == 1 and len(para[0].strip()) <= 80 \
                and not para[0].strip().endswith(_END) and nxt is not None:
            title = para[0].strip()  # a (centred) title line
            b.add("heading", title, level=1)
            continue
        split = _question_lines(para)
        if split:  # "1.1. How do you pronounce it?" with its answer in one paragraph
            b.add("heading", _strip_label(_join(para[:split])), level=3)
            para, base = para[split:], _base(para[split:])
        elif base >= prose + 3 and not _QA.match(para[0].strip()):
            b.add("code", "\n".join(ln[base:] for ln in para))
            continue
        if _is_heading(para, nxt, prose):
            heading = _strip_label(_join(para))
            level = 3 if heading.endswith("?") or _NUMBER.match(_join(para)) else (
                1 if not b.blocks else 2)
            b.add("heading", heading, level=level)
            title = title or heading
            continue
        groups = _items(para, base)
        if len(groups) == 1 and not _ITEM.match(para[0].strip()):
            b.add("para", _strip_label(_join(para)))
            continue
        for group in groups:
            item = re.sub(r"^[*•+o]\s+", "- ", _join(group))
            b.add("item" if _ITEM.match(item) else "para", _strip_label(item)
                  if _QA.match(item) else item)
    return b.text(), b.blocks, title
