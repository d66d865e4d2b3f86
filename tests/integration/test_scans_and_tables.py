"""Scanned documents and tables (issue 27): a PDF with no text layer and a PNG scan are
read by OCR and answer with a citation to the right page; a table's row is found by
what its header says, in HTML, DOCX and PDF."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont

from ragworks.errors import Unavailable
from ragworks.ingest import ocr
from ragworks.ingest.builder import table_rows

PAGE_1 = ["Travel handbook", "Hotels must be booked through the travel desk.",
          "The nightly hotel limit in Berlin is 180 euros."]
PAGE_2 = ["Expenses", "Receipts are submitted within 30 days of the trip.",
          "Taxis are refunded after 22:00 only."]


def scan(lines: list[str], dpi: int = 150) -> Image.Image:
    """A page of 12 pt text as a scanner at ``dpi`` would give it (no text layer)."""
    img = Image.new("L", (int(8.5 * dpi), int(11 * dpi)), 255)
    draw, font = ImageDraw.Draw(img), ImageFont.load_default(size=int(12 / 72 * dpi))
    y = dpi
    for line in lines:
        draw.text((dpi, y), line, fill=0, font=font)
        y += int(12 / 72 * dpi * 1.8)
    return img


def _upload(c: httpx.Client, name: str, data: bytes, ctype: str) -> dict:
    resp = c.post("/api/v1/documents", files={"file": (name, data, ctype)})
    assert resp.status_code == 201, resp.text
    return resp.json()["document"]


def _ask(c: httpx.Client, question: str) -> dict:
    resp = c.post("/api/v1/query", json={"question": question})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_scanned_pdf_answers_with_the_page_cited(admin: httpx.Client) -> None:
    buf = io.BytesIO()
    scan(PAGE_1).save(buf, "PDF", resolution=150, save_all=True, append_images=[scan(PAGE_2)])
    doc = _upload(admin, "travel-scan.pdf", buf.getvalue(), "application/pdf")
    assert doc["chunk_count"] >= 2
    for question, fact, page in [
            ("What is the nightly hotel limit in Berlin?", "180 euros", "Page 1"),
            ("When are taxis refunded?", "after 22:00", "Page 2")]:
        out = _ask(admin, question)
        assert fact in out["answer"], out
        cited = [c for c in out["citations"] if c["doc_id"] == doc["id"]]
        assert cited and cited[0]["section"] == page, out["citations"]
        assert fact in cited[0]["snippet"]


def test_a_png_scan_is_read(admin: httpx.Client) -> None:
    buf = io.BytesIO()
    scan(PAGE_2, dpi=200).save(buf, "PNG")
    doc = _upload(admin, "receipts.png", buf.getvalue(), "image/png")
    chunks = admin.get(f"/api/v1/documents/{doc['id']}").json()["chunks"]
    text = " ".join(c["text"] for c in chunks)
    assert "Receipts are submitted within 30 days of the trip." in text


def test_a_table_row_is_found_by_its_header(admin: httpx.Client) -> None:
    from docx import Document
    from fpdf import FPDF

    rows = [("Plan", "Storage limit", "Price per month"), ("Basic", "10 GB", "5 EUR"),
            ("Team", "1 TB", "12 EUR"), ("Enterprise", "10 TB", "40 EUR")]
    html = ("<html><body><h1>Mail plans</h1><table>" + "".join(
        "<tr>" + "".join(f"<{'th' if n == 0 else 'td'}>{c.replace('Plan', 'Mailbox')}"
                         f"</{'th' if n == 0 else 'td'}>" for c in r) + "</tr>"
        for n, r in enumerate(rows)) + "</table></body></html>")
    _upload(admin, "mail-plans.html", html.encode(), "text/html")
    docx = Document()
    docx.add_heading("Chat plans", 1)
    table = docx.add_table(rows=0, cols=3)
    for r in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, r, strict=True):
            cell.text = text.replace("Plan", "Chat plan")
    buf = io.BytesIO()
    docx.save(buf)
    _upload(admin, "chat-plans.docx", buf.getvalue(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Disk plans. The table lists the limits of each disk plan.")
    with pdf.table() as t:
        for r in rows:
            row = t.row()
            for c in r:
                row.cell(c.replace("Plan", "Disk plan"))
    _upload(admin, "disk-plans.pdf", bytes(pdf.output()), "application/pdf")
    for kind, source in [("Mailbox", "mail-plans.html"), ("Chat plan", "chat-plans.docx"),
                         ("Disk plan", "disk-plans.pdf")]:
        out = _ask(admin, f"What is the storage limit of the Team {kind.lower()}?")
        assert "1 TB" in out["answer"], (kind, out)
        assert out["citations"][0]["source"] == source, out["citations"]
        assert f"{kind}: Team; Storage limit: 1 TB" in out["citations"][0]["snippet"]


def test_table_rows_name_cells_by_header_and_keep_odd_tables_whole() -> None:
    assert table_rows([["Plan", "Limit"], ["Basic", "10 GB"], ["Pro", ""]]) == [
        "Plan; Limit", "Plan: Basic; Limit: 10 GB", "Plan: Pro"]
    # no header row (a blank or repeated heading cell): cells joined as they are
    assert table_rows([["", "Limit"], ["Basic", "10 GB"]]) == ["Limit", "Basic; 10 GB"]
    assert table_rows([["A", "A"], ["1", "2"]]) == ["A; A", "1; 2"]
    # ragged rows keep their extra cells; blank rows and whitespace go
    assert table_rows([["Plan", "Limit"], ["Max", "1 PB", "call us"], ["", " "],
                       [" Mini ", "1\nGB"]]) == [
        "Plan; Limit", "Plan: Max; Limit: 1 PB; call us", "Plan: Mini; Limit: 1 GB"]
    assert table_rows([]) == [] and table_rows([["only"]]) == ["only"]


def test_ocr_models_that_are_not_the_pinned_files_are_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ocr.engine.cache_clear()
    monkeypatch.setitem(ocr.MODEL_SHA256, "ch_PP-OCRv4_rec_infer.onnx", "0" * 64)
    with pytest.raises(Unavailable, match="not the pinned file"):
        ocr.engine()
    ocr.engine.cache_clear()
