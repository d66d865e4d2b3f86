"""Ingestion with real stores: bulk ingestion, crash repair, parser limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragworks.errors import BadInput, RagworksError
from ragworks.ingest import sniff as media
from ragworks.ingest.sandbox import parse_isolated
from ragworks.ingest.service import IngestResult
from ragworks.services import Services
from tests.conftest import CORPUS, make_settings


@pytest.fixture
def svc(tmp_path: Path) -> Services:
    return Services(make_settings(tmp_path, embedder="hash"))


def test_bulk_ingestion_reports_each_file_once_in_order(svc: Services) -> None:
    names = ["vpn-setup.md", "battery-care.pdf", "safety-stop.docx"]
    files = [(n, (CORPUS / n).read_bytes) for n in names]
    files.insert(1, ("empty.txt", lambda: b""))
    seen: list[tuple[str, str]] = []

    def done(name: str, result: IngestResult | RagworksError) -> None:
        seen.append((name, result.status if isinstance(result, IngestResult) else "error"))

    svc.ingestor.ingest_many(files, "default", on_result=done, batch_chunks=4)
    assert seen == [("vpn-setup.md", "created"), ("empty.txt", "error"),
                    ("battery-care.pdf", "created"), ("safety-stop.docx", "created")]
    again: list[str] = []
    svc.ingestor.ingest_many(files[:1], "default",
                             on_result=lambda n, r: again.append(r.status))  # type: ignore[union-attr]
    assert again == ["unchanged"]
    assert svc.records.count_documents("default") == 3


def test_a_record_left_without_chunks_is_repaired(svc: Services) -> None:
    data = (CORPUS / "warranty.txt").read_bytes()
    doc = svc.ingestor.ingest(data, "warranty.txt", "default").document
    svc.index.delete_document("default", doc.id)  # as if the process died mid-ingest
    assert svc.index.chunks_of("default", doc.id) == []
    result = svc.ingestor.ingest(data, "warranty.txt", "default")
    assert result.status == "unchanged" and result.document.id == doc.id
    assert len(svc.index.chunks_of("default", doc.id)) == doc.chunk_count


def test_memory_limit_stops_a_greedy_parse() -> None:
    data = ("word\n\n" * 3_000_000).encode()  # 3 million paragraphs: far over 256 MB parsed
    with pytest.raises(BadInput, match="memory limit"):
        parse_isolated(data, "big.txt", media.TEXT, timeout_s=60, mem_mb=256)
    # the workers are usable afterwards
    ok = parse_isolated(b"# T\n\nStill works.\n", "t.md", media.MARKDOWN, 30, 256)
    assert "Still works." in ok.text


def test_after_a_timeout_the_next_parse_works() -> None:
    slow = ("word\n\n" * 2_000_000).encode()  # seconds of parsing
    with pytest.raises(BadInput, match="longer than"):
        parse_isolated(slow, "slow.txt", media.TEXT, timeout_s=0.2, mem_mb=2048)
    data = (CORPUS / "battery-care.pdf").read_bytes()
    assert "40 to 60 percent" in parse_isolated(data, "b.pdf", media.PDF, 30, 2048).text
