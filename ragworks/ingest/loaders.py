"""Parse document bytes into plain text plus structure (headings, paragraphs, list
items and code blocks, with offsets).

Offsets index into ``ParsedDocument.text``, the extracted plain text: markup
(Markdown, reStructuredText, HTML) is gone, hard-wrapped plain text is re-flowed,
and every citation's ``start``/``end`` point into this text exactly.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from pathlib import PurePath

from ragworks.errors import BadInput, EmptyDocument, PayloadTooLarge
from ragworks.ingest import ocr
from ragworks.ingest import sniff as media
from ragworks.ingest.builder import TextBuilder, table_rows
from ragworks.models import Block, ParsedDocument

_END_PUNCT = tuple(".!?:;,")


def _decode(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _is_plain_heading(line: str, next_exists: bool) -> bool:
    s = line.strip()
    return (
        next_exists and 0 < len(s) <= 80 and "\n" not in s and not s.endswith(_END_PUNCT)
        and len(s.split()) <= 12 and s[0].isalnum()
    )


def parse_markdown(data: bytes) -> tuple[str, list[Block], str]:
    from ragworks.ingest import markdown

    return markdown.parse(_decode(data))


def parse_rst(data: bytes) -> tuple[str, list[Block], str]:
    from ragworks.ingest import rst

    return rst.parse(_decode(data))


def parse_plain(data: bytes) -> tuple[str, list[Block], str]:
    from ragworks.ingest import plaintext

    return plaintext.parse(_decode(data))


def parse_html(data: bytes) -> tuple[str, list[Block], str]:
    from ragworks.ingest import html

    return html.parse(_decode(data))


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
    scanned = [n for n, page in enumerate(pages) if len(page.strip()) < ocr.SCANNED_BELOW]
    read = _ocr_pdf(data, scanned) if scanned else {}
    tables = _pdf_tables(data, [n for n in range(len(pages)) if n not in read])
    b = TextBuilder()
    for n, page in enumerate(pages):
        if n in read:  # a scan: its lines, under the page's number for the citation
            b.add("heading", f"Page {n + 1}", level=1)
            _add_lines(b, read[n])
        elif n in tables:  # the text around the tables, then each table by rows
            around, rows = tables[n]
            _add_pdf_text(b, around)
            for row in rows:
                b.add("para", row)
        else:
            _add_pdf_text(b, page)
    return b.text(), b.blocks, str(meta_title)


def _add_pdf_text(b: TextBuilder, page: str) -> None:
    """A text layer's lines as headings and re-flowed paragraphs."""
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


def _pdf_tables(data: bytes, pages: list[int]) -> dict[int, tuple[str, list[str]]]:
    """Pages with ruled tables (pdfplumber): (their text outside the tables, the tables'
    rows with each cell named by its header)."""
    import pdfplumber

    found: dict[int, tuple[str, list[str]]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for n in pages[:MAX_TABLE_PAGES]:
                page = pdf.pages[n]
                boxes = page.find_tables()
                if not boxes:
                    continue

                def outside(obj: dict, boxes: list = boxes) -> bool:  # type: ignore[type-arg]
                    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                    return not any(t.bbox[0] <= x <= t.bbox[2] and t.bbox[1] <= y <= t.bbox[3]
                                   for t in boxes)

                around = page.filter(outside).extract_text() or ""
                rows = [r for t in boxes for r in table_rows(
                    [[c or "" for c in row] for row in t.extract()])]
                found[n] = (around, rows)
    except Exception:  # noqa: BLE001 - tables are a bonus; pypdf's text stands
        return {}
    return found


def _add_lines(b: TextBuilder, lines: list[str]) -> None:
    """OCR'd lines: a paragraph ends with a line that ends a sentence."""
    para: list[str] = []
    for line in lines:
        para.append(line)
        if line.endswith((".", "!", "?", ":")):
            b.add("para", " ".join(para))
            para = []
    b.add("para", " ".join(para))


def _ocr_pdf(data: bytes, pages: list[int]) -> dict[int, list[str]]:
    try:
        return ocr.pdf_pages(data, pages)
    except (ValueError, OSError, RuntimeError) as exc:  # pdfium could not render it
        raise BadInput(f"the scanned pages could not be read ({type(exc).__name__})") from None


def parse_image(data: bytes) -> tuple[str, list[Block], str]:
    """A PNG, JPEG or TIFF scan (each frame of a multi-page TIFF a page)."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    b = TextBuilder()
    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = [f.copy() for f in itertools.islice(ImageSequence.Iterator(image),
                                                         ocr.MAX_PAGES)]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise BadInput(f"the image is corrupt or unreadable ({type(exc).__name__})") from None
    for n, frame in enumerate(frames):
        if len(frames) > 1:
            b.add("heading", f"Page {n + 1}", level=1)
        _add_lines(b, ocr.lines_of(frame))
    return b.text(), b.blocks, ""


#: pages of one PDF searched for tables (pdfplumber takes ~0.1 s a page)
MAX_TABLE_PAGES = 300
#: a compressed container (docx) may not unpack to more than this
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


def parse_docx(data: bytes) -> tuple[str, list[Block], str]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise PayloadTooLarge(f"the .docx file unpacks to {unpacked} bytes; the limit is "
                                  f"{MAX_UNPACKED_BYTES}")
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BadInput(f"the .docx file is corrupt ({type(exc).__name__})") from None
    b = TextBuilder()
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
        for row in table_rows([[cell.text for cell in r.cells] for r in table.rows]):
            b.add("para", row)
    return b.text(), b.blocks, title


LOADERS: dict[str, Callable[[bytes], tuple[str, list[Block], str]]] = {
    media.TEXT: parse_plain,
    media.MARKDOWN: parse_markdown,
    media.RST: parse_rst,
    media.HTML: parse_html,
    media.PDF: parse_pdf,
    media.DOCX: parse_docx,
    media.PNG: parse_image,
    media.JPEG: parse_image,
    media.TIFF: parse_image,
}


def align(clean: str, source: str, lookahead: int = 4000) -> tuple[tuple[int, int, int], ...]:
    """(clean offset, source offset, length) of each clean word found, in order, in the
    source (markup only ever removes text, so the words keep their order)."""
    anchors = []
    cursor = 0
    for m in re.finditer(r"\S+", clean):
        word = m.group(0)
        pos = source.find(word, cursor, cursor + lookahead + len(word))
        if pos < 0:
            core = word.strip(".,;:!?()[]{}\"'`*")
            pos = source.find(core, cursor, cursor + lookahead + len(core)) if core else -1
            if pos < 0:
                continue
            anchors.append((m.start() + word.index(core), pos, len(core)))
        else:
            anchors.append((m.start(), pos, len(word)))
        cursor = anchors[-1][1] + anchors[-1][2]
    return tuple(anchors)


def parse(data: bytes, filename: str, media_type: str) -> ParsedDocument:
    """Parse bytes of a sniffed type. Raises BadInput/EmptyDocument with the reason."""
    text, blocks, title = LOADERS[media_type](data)
    if media_type in (media.TEXT, media.MARKDOWN, media.RST):  # offsets into the file
        source = _decode(data)
        if text != source:
            return _document(source, blocks, title, filename, media_type, clean=text,
                             anchors=align(text, source))
    return _document(text, blocks, title, filename, media_type)


#: titles that document tools write when nobody gave one
_PLACEHOLDER_TITLES = re.compile(
    r"\(?(anonymous|untitled|no title|none|null|title|document\d*|microsoft word - .*"
    r"|untitled document|slide \d+|presentation\d*)\)?(\.\w{2,4})?", re.I)


def _placeholder_title(title: str) -> bool:
    """ "(anonymous)", "Untitled", "Microsoft Word - draft.docx" and the like."""
    return bool(_PLACEHOLDER_TITLES.fullmatch(title.strip()))


def _document(text: str, blocks: list[Block], title: str, filename: str, media_type: str,
              clean: str = "", anchors: tuple[tuple[int, int, int], ...] = ()
              ) -> ParsedDocument:
    if not any(b.kind == "para" and b.text.strip() for b in blocks) and not text.strip():
        raise EmptyDocument(f"{filename}: no text could be extracted")
    if not any(b.text.strip() for b in blocks):
        raise EmptyDocument(f"{filename}: no text could be extracted")
    if not title or _placeholder_title(title):
        heading = next((b.text for b in blocks if b.kind == "heading"), "")
        title = heading or PurePath(filename).stem.replace("_", " ").replace("-", " ")
    return ParsedDocument(text=text, title=title.strip()[:300], blocks=tuple(blocks),
                          media_type=media_type, clean=clean, anchors=anchors)
