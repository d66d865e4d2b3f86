"""What is decided about an upload before a parser sees it, in milliseconds.

- ``safe_name``: the name an upload is stored under: no folders, no control or
  bidirectional-override characters (percent-escaped, ``%00``, so the original can
  still be read; escaping twice changes nothing), at most 200 characters.
- ``safe_path``: the name a document from a source is stored under: its path inside
  the folder or bucket (``guides/a.md``; no ``..``, no leading ``/``, each part made
  safe as above), or its URL; so two files of the same name in different folders are
  two documents.
- ``as_utf8``: text in another encoding (UTF-16 or UTF-32 with a byte-order mark,
  Latin-1, Windows-1252, ...) is transcoded to UTF-8, detected with charset-normalizer;
  the stored file is the transcoded one, so citation offsets point into it.
- ``check_before_parse``: limits that need no parse: text over the character limit is
  413 (a UTF-8 character is at most 4 bytes, so a file over 4x the limit is refused
  unread), and HTML nested deeper than ``MAX_HTML_DEPTH`` is 422 (a million nested
  ``<div>``s held a parse worker for 40 s).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import numpy as np

from ragworks.errors import BadInput, PayloadTooLarge

MAX_NAME_CHARS = 200
MAX_PATH_CHARS = 1000
#: a document named by its URL (a website source): the URL is its name, whole
URL_NAME = re.compile(r"https?://", re.I)
MAX_HTML_DEPTH = 2000
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_CONTAINERS = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00",
               b"MM\x00*", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"ID3", b"\xd0\xcf\x11\xe0")
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
#: elements that never close, or whose end tag HTML lets one leave out
_OPEN_ENDED = frozenset(b"area base br col embed hr img input link meta param source track "
                        b"wbr p li dt dd tr td th option".split())


def safe_name(name: str) -> str:
    """``"nul\\x00name.txt"`` -> ``"nul%00name.txt"``; ``"a/b/../c.md"`` -> ``"c.md"``."""
    return _safe_part(name.replace("\\", "/").rsplit("/", 1)[-1])


def safe_path(name: str) -> str:
    """``"a/b/../c.md"`` -> ``"a/b/c.md"``; ``"/etc/x.txt"`` -> ``"etc/x.txt"``; a URL is
    kept whole (control characters escaped)."""
    if URL_NAME.match(name):
        return "".join(_escaped(ch) for ch in name)[:MAX_PATH_CHARS]
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    clean = "/".join(_safe_part(p) for p in parts)[:MAX_PATH_CHARS]
    return clean or "upload"


def _escaped(ch: str) -> str:
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    return ch


def _safe_part(base: str) -> str:
    clean = "".join(_escaped(ch) for ch in base).strip()[:MAX_NAME_CHARS]
    return "upload" if clean in ("", ".", "..") else clean


def as_utf8(data: bytes) -> bytes:
    """The same text as UTF-8; bytes that are no text in any encoding come back as they
    are (the type sniffer then names them)."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return data  # a character cut at the end: still UTF-8
    if data.startswith(_CONTAINERS):
        return data  # a PDF, a zip (docx) or an image is never text in another encoding
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).encode("utf-8")
            except UnicodeDecodeError:
                return data
    if b"\x00" in data[:4096] and not _utf16_without_bom(data):
        return data  # binary
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    if best is None or best.encoding in ("utf_8", "ascii"):
        return data
    try:
        return data.decode(best.encoding).encode("utf-8")
    except (UnicodeDecodeError, LookupError):
        return data


def _utf16_without_bom(data: bytes) -> bool:
    """Mostly-ASCII UTF-16 has a NUL in every other byte."""
    head = data[:4096]
    return len(head) >= 8 and (head[1::2].count(0) > 0.9 * len(head[1::2])
                               or head[0::2].count(0) > 0.9 * len(head[0::2]))


def check_before_parse(data: bytes, filename: str, media_type: str, max_chars: int) -> None:
    if media_type.startswith("text/") and media_type != "text/html":
        if len(data) > 4 * max_chars or len(data.decode("utf-8", "replace")) > max_chars:
            raise PayloadTooLarge(
                f"{filename}: its text is over the limit of {max_chars} characters "
                "(RAGWORKS_MAX_DOCUMENT_CHARS)")
    if media_type == "text/html":
        depth = html_depth(data)
        if depth > MAX_HTML_DEPTH:
            raise BadInput(f"{filename}: HTML nested {depth} elements deep; the limit is "
                           f"{MAX_HTML_DEPTH}")


def html_depth(data: bytes) -> int:
    """How deeply the elements nest. A vectorised count of tag starts bounds it from above
    in about 20 ms per MB; only a document over the limit by that bound is walked tag by
    tag (elements that need no end tag do not nest)."""
    raw = np.frombuffer(data, np.uint8)
    starts = np.flatnonzero(raw == ord("<"))
    if len(starts) < MAX_HTML_DEPTH:
        return 0
    after = raw[np.minimum(starts + 1, len(raw) - 1)] | 32
    opens = (after >= ord("a")) & (after <= ord("z"))
    closes = raw[np.minimum(starts + 1, len(raw) - 1)] == ord("/")
    if int(np.cumsum(opens.astype(np.int32) - closes).max()) <= MAX_HTML_DEPTH:
        return 0
    depth = deepest = 0
    for m in _TAG.finditer(data):
        if m[3] or m[2].lower() in _OPEN_ENDED:
            continue
        depth = max(0, depth - 1) if m[1] else depth + 1
        deepest = max(deepest, depth)
    return deepest
