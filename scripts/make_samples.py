"""Write the sample corpus in five formats into ragworks/samples/corpus/.

    python scripts/make_samples.py     # needs fpdf2 and python-docx (dev extras)

The generated files are committed; this script is how they were made.
"""

from __future__ import annotations

import datetime
import html
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sample_docs_a import DOCS as A  # noqa: E402
from sample_docs_b import DOCS as B  # noqa: E402
from sample_docs_c import DOCS as C  # noqa: E402
from sample_docs_d import DOCS as D  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "ragworks" / "samples" / "corpus"


def md(title, sections):
    parts = [f"# {title}", ""]
    for head, paras in sections:
        parts += [f"## {head}", ""] + [p + "\n" for p in paras]
    return "\n".join(parts).encode()


def txt(title, sections):
    parts = [title.upper(), ""]
    for head, paras in sections:
        parts += [head, ""] + [p + "\n" for p in paras]
    return "\n".join(parts).encode()


def htm(title, sections):
    body = [f"<h1>{html.escape(title)}</h1>"]
    for head, paras in sections:
        body.append(f"<h2>{html.escape(head)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in paras]
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title></head>\n<body>\n<nav>Lumen intranet</nav>\n"
            + "\n".join(body) + "\n</body></html>\n").encode()


def pdf(title, sections):
    from fpdf import FPDF

    doc = FPDF()
    doc.set_title(title)
    doc.set_creation_date(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    for head, paras in sections:
        doc.ln(4)
        doc.set_font("Helvetica", "B", 12)
        doc.cell(0, 8, head, new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 11)
        for p in paras:
            doc.multi_cell(0, 6, p, new_x="LMARGIN", new_y="NEXT")
            doc.ln(3)
    return bytes(doc.output())


def docx_bytes(title, sections):
    import io

    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, level=0)
    for head, paras in sections:
        d.add_heading(head, level=1)
        for p in paras:
            d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


WRITERS = {".md": md, ".txt": txt, ".html": htm, ".pdf": pdf, ".docx": docx_bytes}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    docs = A + B + C + D
    names = [d[0] for d in docs]
    assert len(names) == len(set(names)), "duplicate file names"
    for name, title, sections in docs:
        (OUT / name).write_bytes(WRITERS[Path(name).suffix](title, sections))
    counts = {ext: sum(n.endswith(ext) for n in names) for ext in WRITERS}
    print(f"wrote {len(docs)} documents to {OUT}: {counts}")


if __name__ == "__main__":
    main()
