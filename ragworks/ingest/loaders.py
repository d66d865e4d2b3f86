"""Parse document bytes into text plus structure (headings and paragraphs with offsets).

Offsets index into ``ParsedDocument.text``: for txt and md that is the file's own
text (line endings normalised), for html, pdf and docx the extracted text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from pathlib import PurePath

from ragworks.errors import BadInput, EmptyDocument
from ragworks.ingest import sniff as media
from ragworks.models import Block, ParsedDocument

_HEADING_MD = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_END_PUNCT = tuple(".!?:;,")


def _decode(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _paragraph_spans(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of runs of non-blank lines."""
    for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        yield start, end


def _is_plain_heading(line: str, next_exists: bool) -> bool:
    s = line.strip()
    return (
        next_exists and 0 < len(s) <= 80 and "\n" not in s and not s.endswith(_END_PUNCT)
        and len(s.split()) <= 12 and s[0].isalnum()
    )


def parse_markdown(data: bytes) -> list[Block]:
    text = _decode(data)
    blocks: list[Block] = []
    for start, end in _paragraph_spans(text):
        para = text[start:end]
        first, _, rest = para.partition("\n")
        m = _HEADING_MD.match(first)
        setext = re.fullmatch(r"(=+|-+)\s*", rest) if rest else None
        if m:
            hs = start + first.index(m.group(2)) if m.group(2) else start
            blocks.append(Block(kind="heading", text=m.group(2), start=hs,
                                end=hs + len(m.group(2)), level=len(m.group(1))))
            if rest.strip():
                rs = start + len(first) + 1
                blocks.append(Block(kind="para", text=rest, start=rs, end=end))
        elif setext:
            blocks.append(Block(kind="heading", text=first.strip(), start=start,
                                end=start + len(first.rstrip()),
                                level=1 if setext.group(1)[0] == "=" else 2))
        else:
            blocks.append(Block(kind="para", text=para, start=start, end=end))
    return blocks


def parse_plain(data: bytes) -> list[Block]:
    text = _decode(data)
    spans = list(_paragraph_spans(text))
    blocks = []
    for i, (start, end) in enumerate(spans):
        para = text[start:end]
        if _is_plain_heading(para, next_exists=i + 1 < len(spans)):
            blocks.append(Block(kind="heading", text=para.strip(), start=start, end=end,
                                level=1 if para.isupper() or i == 0 else 2))
        else:
            blocks.append(Block(kind="para", text=para, start=start, end=end))
    return blocks


class _Builder:
    """Builds extracted text and its blocks together so offsets always match."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.blocks: list[Block] = []
        self.pos = 0

    def add(self, kind: str, text: str, level: int = 0) -> None:
        text = re.sub(r"[ \t]+", " ", text).strip()
        if not text:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.pos += 2
        self.blocks.append(Block(kind=kind, text=text, start=self.pos,
                                 end=self.pos + len(text), level=level))
        self.parts.append(text)
        self.pos += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def parse_html(data: bytes) -> tuple[str, list[Block], str]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(_decode(data))
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else ""
    for node in tree.css("script, style, noscript, template, nav, header, footer"):
        node.decompose()
    b = _Builder()
    root = tree.body or tree.root
    if root is not None:
        for node in root.css("h1, h2, h3, h4, h5, h6, p, li, pre, blockquote, td, th, dt, dd"):
            if node.tag in ("p", "li") and len(node.css("p, li")) > 1:
                continue  # nested containers: the inner elements carry the text
            txt = node.text(separator=" ", strip=True)
            tag = node.tag or ""
            if tag.startswith("h") and tag[1:].isdigit():
                b.add("heading", txt, level=int(tag[1]))
            else:
                b.add("para", txt)
    return b.text(), b.blocks, title


def parse_pdf(data: bytes) -> tuple[str, list[Block], str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise BadInput("the PDF is encrypted; upload an unencrypted copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except BadInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise BadInput(f"the PDF is corrupt or unreadable ({type(exc).__name__})") from None
    b = _Builder()
    for page in pages:
        lines = [ln.strip() for ln in page.split("\n")]
        width = max((len(ln) for ln in lines), default=0)
        para: list[str] = []
        for i, line in enumerate(lines):
            if not line:
                b.add("para", " ".join(para))
                para = []
                continue
            nxt = i + 1 < len(lines) and bool(lines[i + 1])
            after_sentence = not para or para[-1].endswith((".", "!", "?", ":"))
            if after_sentence and _is_plain_heading(line, nxt) and len(line) < 0.6 * width:
                b.add("para", " ".join(para))
                para = []
                b.add("heading", line, level=1 if not b.blocks else 2)
                continue
            para.append(line)
            if line.endswith((".", "!", "?", ":")) and len(line) < 0.75 * width:
                b.add("para", " ".join(para))
                para = []
        b.add("para", " ".join(para))
    return b.text(), b.blocks, str(meta_title)


def parse_docx(data: bytes) -> tuple[str, list[Block], str]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BadInput(f"the .docx file is corrupt ({type(exc).__name__})") from None
    b = _Builder()
    title = document.core_properties.title or ""
    for para in document.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        if style == "Title":
            title = title or para.text.strip()
            b.add("heading", para.text, level=0)
        elif style.startswith("Heading"):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            b.add("heading", para.text, level=level)
        else:
            b.add("para", para.text)
    for table in document.tables:
        for row in table.rows:
            b.add("para", " | ".join(cell.text.strip() for cell in row.cells))
    return b.text(), b.blocks, title


def _text_loader(fn: Callable[[bytes], list[Block]]) -> Callable[[bytes], tuple]:
    def load(data: bytes) -> tuple[str, list[Block], str]:
        return _decode(data), fn(data), ""
    return load


LOADERS: dict[str, Callable[[bytes], tuple[str, list[Block], str]]] = {
    media.TEXT: _text_loader(parse_plain),
    media.MARKDOWN: _text_loader(parse_markdown),
    media.HTML: parse_html,
    media.PDF: parse_pdf,
    media.DOCX: parse_docx,
}


def parse(data: bytes, filename: str, media_type: str) -> ParsedDocument:
    """Parse bytes of a sniffed type. Raises BadInput/EmptyDocument with the reason."""
    text, blocks, title = LOADERS[media_type](data)
    if not any(b.kind == "para" and b.text.strip() for b in blocks) and not text.strip():
        raise EmptyDocument(f"{filename}: no text could be extracted")
    if not any(b.text.strip() for b in blocks):
        raise EmptyDocument(f"{filename}: no text could be extracted")
    if not title:
        heading = next((b.text for b in blocks if b.kind == "heading"), "")
        title = heading or PurePath(filename).stem.replace("_", " ").replace("-", " ")
    return ParsedDocument(text=text, title=title.strip()[:300], blocks=tuple(blocks),
                          media_type=media_type)
