"""Decide a file's type from its content; the name only has to agree with it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from ragworks.errors import EmptyDocument, UnsupportedMedia
from ragworks.ingest.rst_signs import looks_like_rst

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
RST = "text/x-rst"
TEXT = "text/plain"

_EXT_FAMILY = {
    ".pdf": "pdf", ".docx": "docx",
    ".html": "text", ".htm": "text", ".md": "text", ".markdown": "text", ".txt": "text",
    ".text": "text", ".rst": "text", ".rest": "text",
}
_HTML_RE = re.compile(rb"<\s*(!doctype\s+html|html|body|head|p|div|h[1-6])\b", re.I)
_MD_STRONG = re.compile(r"^#{1,6}\s+\S|^```|\]\([^)\s]+\)", re.M)
SUPPORTED_EXTENSIONS = tuple(_EXT_FAMILY)


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 4  # allow a multi-byte char cut at the edge
    return False


def sniff(data: bytes, filename: str) -> str:
    """Media type of ``data``; raises UnsupportedMedia when unsupported or mislabelled."""
    if not data:
        raise EmptyDocument(f"{filename}: the file is empty (0 bytes)")
    ext = PurePath(filename).suffix.lower()
    if data.startswith(b"%PDF-"):
        media, family = PDF, "pdf"
    elif data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise UnsupportedMedia(f"{filename}: a damaged zip archive is not a document") from None
        if "word/document.xml" not in names:
            raise UnsupportedMedia(f"{filename}: zip archive that is not a .docx document")
        media, family = DOCX, "docx"
    elif _looks_binary(data):
        raise UnsupportedMedia(
            f"{filename}: binary content of an unsupported type "
            f"(supported: {', '.join(SUPPORTED_EXTENSIONS)})"
        )
    else:
        family = "text"
        head = data[:200_000].decode("utf-8", "ignore")
        if ext in (".html", ".htm") or _HTML_RE.search(data[:2048]):
            media = HTML
        elif ext in (".rst", ".rest") or looks_like_rst(head):
            media = RST  # also reStructuredText saved as .md or .txt
        elif ext in (".md", ".markdown") or len(_MD_STRONG.findall(head)) >= 2:
            media = MARKDOWN  # a .txt is plain text unless it shows Markdown's own syntax
        else:
            media = TEXT
    claimed = _EXT_FAMILY.get(ext)
    if ext and claimed is None:
        raise UnsupportedMedia(
            f"{filename}: extension {ext!r} is not supported "
            f"(supported: {', '.join(SUPPORTED_EXTENSIONS)})"
        )
    if claimed is not None and claimed != family:
        raise UnsupportedMedia(
            f"{filename}: the name says {claimed} but the content is {family}; "
            "rename the file or upload the right one"
        )
    return media
