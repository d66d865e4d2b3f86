"""Text from scanned pages and images: RapidOCR with the PP-OCRv4 models that ship in its
package (no download), checked against pinned hashes before first use.

    lines_of(Image.open("scan.png"))     # ["Backups run every night at 02:00.", ...]

Runs where the parsers run: in the sandbox's worker processes, under their time and
memory limits. The recogniser drops the spaces between words when letters are small
(under ~30 px high, as in a 150 dpi scan of 12 pt text), so such images are enlarged
before they are read. Boxes are put back into lines by their vertical overlap, and a
line's boxes left to right.
"""

from __future__ import annotations

import functools
import hashlib
import time
from importlib import resources
from typing import Any

import numpy as np

from ragworks.errors import Unavailable

#: the model files inside rapidocr-onnxruntime 1.4.4, as measured when it was pinned
MODEL_SHA256 = {
    "ch_PP-OCRv4_det_infer.onnx":
        "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    "ch_PP-OCRv4_rec_infer.onnx":
        "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
    "ch_ppocr_mobile_v2.0_cls_infer.onnx":
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
}
#: letters smaller than this (box height, px) are read after enlarging the image
MIN_LINE_PX = 44
#: the most pages of one PDF that are read by OCR, and the time they may take together
MAX_PAGES = 40
BUDGET_S = 90.0
#: a PDF page with fewer characters of text layer than this is taken for a scan
SCANNED_BELOW = 20
RENDER_DPI = 150  # then enlarged by lines_of: it reads better than pdfium at 300


@functools.cache
def engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # pragma: no cover - in the lock
        raise Unavailable("OCR is not installed (rapidocr-onnxruntime)") from exc
    models = resources.files("rapidocr_onnxruntime") / "models"
    for name, digest in MODEL_SHA256.items():
        if hashlib.sha256((models / name).read_bytes()).hexdigest() != digest:
            raise Unavailable(f"the OCR model {name} is not the pinned file; reinstall "
                              "rapidocr-onnxruntime from the lock")
    # one thread each: two parse workers share the two cores
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


def lines_of(image: Any) -> list[str]:
    """The text lines of a PIL image, top to bottom."""
    from PIL import Image

    rgb = image.convert("RGB")
    boxes = _read(rgb)
    heights = [h for h, _, _, _ in boxes]
    if heights and float(np.median(heights)) < MIN_LINE_PX:
        scale = min(3.0, MIN_LINE_PX / max(float(np.median(heights)), 1.0))
        bigger = rgb.resize((int(rgb.width * scale), int(rgb.height * scale)),
                            Image.Resampling.LANCZOS)
        boxes = _read(bigger)
    return _join(boxes)


def _read(rgb: Any) -> list[tuple[float, float, float, str]]:
    """(height, top, left, text) of each box found."""
    # no angle classifier: it took upright lines of clean scans for upside-down ones and
    # lost them (measured: 2 of 9 lines of a page); document scans are upright
    result, _ = engine()(np.asarray(rgb), use_cls=False)
    out = []
    for box, text, _score in result or []:
        ys, xs = [p[1] for p in box], [p[0] for p in box]
        out.append((max(ys) - min(ys), min(ys), min(xs), str(text)))
    return out


def _join(boxes: list[tuple[float, float, float, str]]) -> list[str]:
    lines: list[list[tuple[float, float, float, str]]] = []
    for box in sorted(boxes, key=lambda b: b[1]):
        height, top = box[0], box[1]
        last = lines[-1] if lines else None
        if last is not None and top < last[0][1] + 0.6 * max(last[0][0], height):
            last.append(box)  # overlaps the line above enough: the same line
        else:
            lines.append([box])
    return [" ".join(b[3] for b in sorted(line, key=lambda b: b[2])).strip()
            for line in lines if any(b[3].strip() for b in line)]


def pdf_pages(data: bytes, wanted: list[int]) -> dict[int, list[str]]:
    """The OCR'd lines of the wanted pages (0-based) of a PDF, as many as the page and
    time budgets allow."""
    import pypdfium2 as pdfium

    out: dict[int, list[str]] = {}
    started = time.monotonic()
    pdf = pdfium.PdfDocument(data)
    try:
        for index in wanted[:MAX_PAGES]:
            if time.monotonic() - started > BUDGET_S:
                break
            bitmap = pdf[index].render(scale=RENDER_DPI / 72, grayscale=True)
            out[index] = lines_of(bitmap.to_pil())
    finally:
        pdf.close()
    return out
