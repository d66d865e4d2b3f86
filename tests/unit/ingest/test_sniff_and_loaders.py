import pytest

from ragworks.errors import BadInput, EmptyDocument, UnsupportedMedia
from ragworks.ingest import sniff as media
from ragworks.ingest.loaders import parse
from ragworks.ingest.sandbox import parse_isolated
from tests.conftest import CORPUS


@pytest.mark.parametrize("name,expected", [
    ("vpn-setup.md", media.MARKDOWN), ("error-codes.txt", media.TEXT),
    ("charging-dock.html", media.HTML), ("battery-care.pdf", media.PDF),
    ("safety-stop.docx", media.DOCX),
])
def test_sniffs_the_content(name: str, expected: str) -> None:
    assert media.sniff((CORPUS / name).read_bytes(), name) == expected


def test_content_decides_not_the_name() -> None:
    pdf = (CORPUS / "battery-care.pdf").read_bytes()
    with pytest.raises(UnsupportedMedia, match="name says text"):
        media.sniff(pdf, "battery.txt")
    assert media.sniff(b"<!doctype html><p>hi</p>", "page") == media.HTML
    with pytest.raises(EmptyDocument):
        media.sniff(b"", "a.txt")


@pytest.mark.parametrize(("data", "says"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "the name says pdf but the content is image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "the name says pdf but the content is image"),
    (b"GIF89a\x01\x00", "the content is a GIF image although its name ends in .pdf; "
     "archives, audio and GIF images are not read"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "the content is a gzip archive")])
def test_a_picture_or_archive_named_like_a_document_is_called_what_it_is(
        data: bytes, says: str) -> None:
    with pytest.raises(UnsupportedMedia, match=says.replace(".", r"\.").replace("(", r"\(")
                       .replace(")", r"\)")):
        media.sniff(data, "scan.pdf")


def test_html_drops_scripts_and_navigation() -> None:
    parsed = parse(b"<html><head><title>T</title><script>evil()</script></head><body><nav>menu"
                   b"</nav><h1>Head</h1><p>Body text.</p></body></html>", "a.html", media.HTML)
    assert parsed.title == "T" and "evil" not in parsed.text and "menu" not in parsed.text
    assert [b.kind for b in parsed.blocks] == ["heading", "para"]


def test_docx_and_pdf_keep_headings() -> None:
    for name in ("safety-stop.docx", "battery-care.pdf"):
        data = (CORPUS / name).read_bytes()
        parsed = parse(data, name, media.sniff(data, name))
        headings = [b.text for b in parsed.blocks if b.kind == "heading"]
        assert len(headings) >= 3, (name, headings)


def test_parsing_runs_with_a_time_limit() -> None:
    slow = ("word\n\n" * 2_000_000).encode()
    with pytest.raises(BadInput, match="longer than"):
        parse_isolated(slow, "slow.txt", media.TEXT, timeout_s=0.2, mem_mb=2048)
    data = (CORPUS / "battery-care.pdf").read_bytes()
    parsed = parse_isolated(data, "battery-care.pdf", media.PDF, timeout_s=30, mem_mb=1024)
    assert "40 to 60 percent" in parsed.text


@pytest.mark.parametrize(("meta", "expected"), [
    ("(anonymous)", "Dock Maintenance"), ("Untitled", "Dock Maintenance"),
    ("Microsoft Word - dock.docx", "Dock Maintenance"), ("Dock Guide 2026", "Dock Guide 2026")])
def test_a_pdf_without_a_real_title_takes_its_first_heading(meta: str, expected: str) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_title(meta)
    pdf.set_font("helvetica", size=18)
    pdf.cell(0, 10, "Dock Maintenance", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    for _ in range(3):
        pdf.multi_cell(0, 6, "Clean the charging contacts of the dock every month with a dry "
                       "cloth and check that the cable is not damaged or bent anywhere.",
                       new_x="LMARGIN", new_y="NEXT")
    assert parse(bytes(pdf.output()), "dock.pdf", media.PDF).title == expected
