"""Scanned pages and tables: OCR character accuracy and table-cell accuracy, each beside
the plain baseline of the same run (what ingestion gave before: pypdf's text layer, and
rows of cells without their headers).

    .venv/bin/python bench/ocr_tables.py [--pages 6] [--tables 20]

OCR: pages of known text (paragraphs of evals/realdocs/corpus, 12 pt) rendered at 150 and
300 dpi, clean, with noise (Gaussian sigma 40 plus 1 % salt and pepper), skewed 2 degrees,
and both; each saved as a PDF with no text layer and parsed by the PDF loader (so the
render, enlargement and line joining are measured too). Accuracy is 1 - edit distance /
length, on text with whitespace collapsed.

Tables: generated tables (3-5 columns, 4-8 rows, fixed seed) written as HTML, DOCX and
PDF and parsed by the loaders. A cell counts as kept when its row's first cell and its
value are in one paragraph, and as named when that paragraph says "Header: value".
"""

from __future__ import annotations

import argparse
import io
import random
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ragworks.ingest import loaders, sniff  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def accuracy(got: str, truth: str) -> float:
    got, truth = " ".join(got.split()), " ".join(truth.split())
    return max(0.0, 1 - distance(got, truth) / max(len(truth), 1))


def page_lines(rnd: random.Random, chars: int = 600) -> list[str]:
    text = []
    files = sorted((ROOT / "evals/realdocs/corpus").iterdir())
    while sum(map(len, text)) < chars:
        body = rnd.choice(files).read_text(errors="replace")
        paras = [p for p in body.split("\n\n") if 200 < len(p) < 700 and p.isascii()
                 and not p.lstrip().startswith(("#", "|", "-", "*", "`", ".."))]
        if paras:
            text.append(" ".join(rnd.choice(paras).split()))
    words, lines, line = " ".join(text)[:chars].split(), [], ""
    for w in words:
        if len(line) + len(w) > 70:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return [*lines, line]


def render(lines: list[str], dpi: int, noise: bool, skew: bool, rnd: random.Random
           ) -> Image.Image:
    img = Image.new("L", (int(8.5 * dpi), int(11 * dpi)), 255)
    draw, font = ImageDraw.Draw(img), ImageFont.load_default(size=int(12 / 72 * dpi))
    y = dpi
    for line in lines:
        draw.text((dpi, y), line, fill=0, font=font)
        y += int(12 / 72 * dpi * 1.7)
    if skew:
        img = img.rotate(2.0, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    if noise:
        arr = np.asarray(img, dtype=np.float32)
        gen = np.random.default_rng(rnd.randrange(1 << 30))
        arr = arr + gen.normal(0, 40, arr.shape)
        salt = gen.random(arr.shape)
        arr[salt < 0.005], arr[salt > 0.995] = 0, 255
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return img


def ocr_figures(pages: int) -> list[dict[str, float | str]]:
    rnd = random.Random(7)
    texts = [page_lines(rnd) for _ in range(pages)]
    out = []
    for dpi in (150, 300):
        for noise, skew in ((False, False), (True, False), (False, True), (True, True)):
            accs, base, secs = [], [], []
            for lines in texts:
                buf = io.BytesIO()
                render(lines, dpi, noise, skew, rnd).save(buf, "PDF", resolution=dpi)
                data, truth = buf.getvalue(), " ".join(lines)
                started = time.perf_counter()
                got = loaders.parse(data, "scan.pdf", sniff.PDF).text
                secs.append(time.perf_counter() - started)
                accs.append(accuracy(got.replace("Page 1", "", 1), truth))
                from pypdf import PdfReader
                base.append(accuracy(PdfReader(io.BytesIO(data)).pages[0].extract_text()
                                     or "", truth))
            label = f"{dpi} dpi" + (" noise" if noise else "") + (" skew" if skew else "")
            out.append({"scan": label, "ocr": statistics.mean(accs),
                        "ocr_min": min(accs), "text_layer": statistics.mean(base),
                        "s_per_page": statistics.median(secs)})
            print(f"  {label:<22} OCR {out[-1]['ocr']:.3f} (worst page {min(accs):.3f})  "
                  f"text layer {out[-1]['text_layer']:.3f}  {out[-1]['s_per_page']:.1f} s/page",
                  flush=True)
    return out


def make_tables(n: int) -> list[list[list[str]]]:
    rnd = random.Random(11)
    heads = ["Plan", "Region", "Storage limit", "Price", "Seats", "Support", "Retention"]
    tables = []
    for t in range(n):
        cols = ["Name", *rnd.sample(heads, rnd.randint(2, 4))]
        rows = [cols]
        for r in range(rnd.randint(4, 8)):
            units = ("GB", "EUR", "days", "users")
            rows.append([f"item{t}x{r}"] + [f"{rnd.randint(1, 999)} {rnd.choice(units)}"
                                            for _ in cols[1:]])
        tables.append(rows)
    return tables


def as_html(rows: list[list[str]]) -> bytes:
    cells = ["<tr>" + "".join(f"<{'th' if i == 0 else 'td'}>{c}</{'th' if i == 0 else 'td'}>"
                              for c in row) + "</tr>" for i, row in enumerate(rows)]
    return f"<html><body><h1>Table</h1><table>{''.join(cells)}</table></body></html>".encode()


def as_docx(rows: list[list[str]]) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading("Table", 1)
    table = doc.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def as_pdf(rows: list[list[str]]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(0, 6, "The table below.")
    with pdf.table() as t:
        for row in rows:
            r = t.row()
            for c in row:
                r.cell(c)
    return bytes(pdf.output())


def cell_scores(text: str, rows: list[list[str]]) -> tuple[float, float]:
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    kept = named = total = 0
    for row in rows[1:]:
        home = [p for p in paras if re.search(rf"\b{re.escape(row[0])}\b", p)]
        for head, value in zip(rows[0][1:], row[1:], strict=True):
            total += 1
            kept += any(value in p for p in home)
            named += any(f"{head}: {value}" in p for p in home)
    return kept / total, named / total


def old_rows(rows: list[list[str]], kind: str) -> str:
    """What ingestion made of the table before: cells joined, no header named."""
    sep = " | " if kind == "docx" else "; "
    return "\n\n".join(sep.join(r) for r in rows)


def table_figures(n: int) -> list[dict[str, float | str]]:
    tables = make_tables(n)
    out = []
    for kind, make, media in (("html", as_html, sniff.HTML), ("docx", as_docx, sniff.DOCX),
                              ("pdf", as_pdf, sniff.PDF)):
        kept, named, base_kept, base_named, secs = [], [], [], [], []
        for rows in tables:
            data = make(rows)
            started = time.perf_counter()
            text = loaders.parse(data, f"t.{kind}", media).text
            secs.append(time.perf_counter() - started)
            k, nm = cell_scores(text, rows)
            kept.append(k)
            named.append(nm)
            if kind == "pdf":
                from pypdf import PdfReader
                before = PdfReader(io.BytesIO(data)).pages[0].extract_text() or ""
            else:
                before = old_rows(rows, kind)
            bk, bn = cell_scores(before, rows)
            base_kept.append(bk)
            base_named.append(bn)
        out.append({"format": kind, "kept": statistics.mean(kept),
                    "named": statistics.mean(named), "before_kept": statistics.mean(base_kept),
                    "before_named": statistics.mean(base_named),
                    "ms_per_table": 1000 * statistics.median(secs)})
        r = out[-1]
        print(f"  {kind:<5} cells kept in their row {r['kept']:.3f} (before {r['before_kept']:.3f})"
              f"  named by header {r['named']:.3f} (before {r['before_named']:.3f})"
              f"  {r['ms_per_table']:.0f} ms/table", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--tables", type=int, default=20)
    args = parser.parse_args()
    print(f"OCR, {args.pages} pages of known text per row (2 cores)")
    o = ocr_figures(args.pages)
    print(f"tables, {args.tables} generated tables per format")
    t = table_figures(args.tables)
    import json
    print(json.dumps({"ocr": o, "tables": t}))


if __name__ == "__main__":
    main()
