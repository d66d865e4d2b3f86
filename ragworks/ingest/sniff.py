"""Decide a file's type from its content; the name only has to agree with it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

from ragworks.errors import EmptyDocument, UnsupportedMedia
from ragworks.ingest.precheck import URL_NAME
from ragworks.ingest.rst_signs import looks_like_rst

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
RST = "text/x-rst"
TEXT = "text/plain"
PNG, JPEG, TIFF = "image/png", "image/jpeg", "image/tiff"
#: images are read by OCR (ingest/ocr.py)
IMAGES = {b"\x89PNG\r\n\x1a\n": PNG, b"\xff\xd8\xff": JPEG, b"II*\x00": TIFF,
          b"MM\x00*": TIFF}

_EXT_FAMILY = {
    ".pdf": "pdf", ".docx": "docx",
    ".html": "text", ".htm": "text", ".md": "text", ".markdown": "text", ".txt": "text",
    ".text": "text", ".rst": "text", ".rest": "text",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image", ".tiff": "image",
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


#: what a file that is not a document often is: named by its first bytes
_KNOWN_BINARY = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"), (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"), (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"Rar!", "a RAR archive"),
    (b"ID3", "an MP3 file"), (b"\xd0\xcf\x11\xe0", "an old Office file (.doc/.xls)"),
)


def _not_a_document(data: bytes, filename: str, ext: str) -> UnsupportedMedia:
    """What to tell about binary content that no loader reads: what it is, if known."""
    known = next((kind for magic, kind in _KNOWN_BINARY if data.startswith(magic)), None)
    if known is not None:
        named = f" although its name ends in {ext}" if ext in SUPPORTED_EXTENSIONS else ""
        return UnsupportedMedia(f"{filename}: the content is {known}{named}; archives, "
                                "audio and GIF images are not read: upload the document "
                                "as PDF, DOCX, HTML, Markdown, text or a PNG, JPEG or TIFF "
                                "scan")
    return UnsupportedMedia(f"{filename}: binary content of an unsupported type "
                            f"(supported: {', '.join(SUPPORTED_EXTENSIONS)})")


def _text_kind(data: bytes, ext: str) -> str:
    head = data[:200_000].decode("utf-8", "ignore")
    if ext in (".html", ".htm") or _HTML_RE.search(data[:2048]):
        return HTML
    if ext in (".rst", ".rest") or looks_like_rst(head):
        return RST  # also reStructuredText saved as .md or .txt
    if ext in (".md", ".markdown") or len(_MD_STRONG.findall(head)) >= 2:
        return MARKDOWN  # a .txt is plain text unless it shows Markdown's own syntax
    return TEXT


def sniff(data: bytes, filename: str) -> str:
    """Media type of ``data``; raises UnsupportedMedia when unsupported or mislabelled."""
    if not data:
        raise EmptyDocument(f"{filename}: the file is empty (0 bytes)")
    # a URL's path says nothing sure about its type (".php", "/v1.2"): its content decides
    ext = "" if URL_NAME.match(filename) else PurePath(filename).suffix.lower()
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
    elif (image := next((m for magic, m in IMAGES.items() if data.startswith(magic)),
                        None)) is not None:
        media, family = image, "image"
    elif _looks_binary(data):
        raise _not_a_document(data, filename, ext)
    else:
        media, family = _text_kind(data, ext), "text"
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
