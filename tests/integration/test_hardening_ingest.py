"""Hardening of ingestion: extracted text, chunks and words are bounded per document;
compressed containers may not unpack without bound; parse workers are capped per
process; embedding stops on shutdown. Real stores, real parse workers."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from ragworks.errors import PayloadTooLarge, Unavailable
from ragworks.ingest import sniff as media
from ragworks.ingest.sandbox import limit_workers, parse_isolated
from ragworks.services import Services
from tests.conftest import CORPUS, LiveServer, make_settings
from tests.integration.test_api_documents import upload


def _docx(text_paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in text_paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def svc(tmp_path: Path) -> Services:
    s = Services(make_settings(tmp_path, embedder="hash", max_document_chars=20_000,
                               max_document_chunks=40))
    yield s
    s.close()


def test_a_small_docx_that_expands_past_the_text_limit_is_413(svc: Services) -> None:
    data = _docx(["word " * 2000] * 5)  # 50k characters from a ~10 kB file
    assert len(data) < 50_000  # (python-docx adds a ~30 kB template)
    with pytest.raises(PayloadTooLarge, match=r"is 500\d\d characters; the limit is 20000"):
        svc.ingestor.ingest(data, "bomb.docx", "default")
    assert svc.records.count_documents("default") == 0 and svc.index.count() == 0


def test_a_docx_that_unpacks_past_100_MB_is_refused_before_parsing(svc: Services) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (110 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 200_000
    with pytest.raises(PayloadTooLarge, match="unpacks to"):
        svc.ingestor.ingest(data, "zip.docx", "default")


def test_too_many_chunks_is_413_and_nothing_is_stored(tmp_path: Path) -> None:
    svc = Services(make_settings(tmp_path, embedder="hash", max_document_chunks=5))
    text = "\n\n".join(f"Paragraph {i} says something different about topic {i}. " * 6
                       for i in range(60))
    try:
        with pytest.raises(PayloadTooLarge, match="chunks; the limit is 5 "):
            svc.ingestor.ingest(text.encode(), "many.txt", "default")
        assert svc.records.count_documents("default") == 0
    finally:
        svc.close()


def test_one_giant_token_becomes_bounded_chunks(svc: Services) -> None:
    doc = svc.ingestor.ingest(b"a" * 19_000, "token.txt", "default").document
    chunks = svc.index.chunks_of("default", doc.id)
    assert 1 < len(chunks) <= 40
    # pieces of 64 characters, half the chunk budget of them
    assert max(len(c.text) for c in chunks) <= svc.settings.chunk_tokens // 2 * 64


def test_embedding_stops_on_shutdown_and_stores_nothing(svc: Services) -> None:
    svc.ingestor.stopping.set()
    data = (CORPUS / "vacation-policy.md").read_bytes()
    with pytest.raises(Unavailable, match="shutting down"):
        svc.ingestor.ingest(data, "vacation-policy.md", "default")
    assert svc.records.count_documents("default") == 0 and svc.index.count() == 0


def _new_children(before: set[int]) -> int:
    """Parse workers started since ``before``: live processes forked by the forkserver
    (other tests' exporters, browsers and idle workers do not count)."""
    count = 0
    for p in psutil.Process().children(recursive=True):
        try:
            parent = p.parent()
            if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE \
                    and parent is not None and "forkserver" in " ".join(parent.cmdline()):
                count += 1
        except psutil.Error:
            pass
    return count


def test_concurrent_parses_use_at_most_the_configured_workers() -> None:
    limit_workers(2)
    slow = ("word\n\n" * 100_000).encode()  # a fraction of a second of parsing each
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _new_children(before))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            done = list(pool.map(lambda i: parse_isolated(slow, f"s{i}.txt", media.TEXT,
                                                          timeout_s=300, mem_mb=2047),
                                 range(8)))
    finally:
        stop.set()
        watcher.join()
    assert len(done) == 8
    assert 1 <= peak <= 3  # two parsing (a replaced worker may linger a moment)


def test_an_oversized_upload_over_http_says_which_limit(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, embedder="hash", max_document_chars=20_000)
    with LiveServer(settings) as live, live.client() as c:
        resp = upload(c, "bomb.docx", _docx(["word " * 2000] * 5))
        assert resp.status_code == 413
        assert "RAGWORKS_MAX_DOCUMENT_CHARS" in resp.json()["detail"]
        assert c.get("/api/v1/documents").json()["total"] == 0
