"""Ingestion: bytes in, a searchable document out. Idempotent by content hash.

- Same content again (same tenant and collection): no-op, same id, nothing embedded.
- Same source name with new content: the new document replaces the old one,
  which is removed only after the new one is fully stored.
- Vectors of unchanged chunks are reused, never recomputed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from ragworks.embed import Embedder
from ragworks.errors import EmptyDocument, NotFound, PayloadTooLarge
from ragworks.index.local import text_hash
from ragworks.index.protocol import ChunkIndex
from ragworks.ingest.chunker import chunk_document
from ragworks.ingest.sandbox import parse_isolated
from ragworks.ingest.sniff import sniff
from ragworks.models import Document, content_hash
from ragworks.settings import Settings
from ragworks.storage import BlobStore, RecordStore


@dataclass(frozen=True)
class IngestResult:
    document: Document
    status: str  # "created" | "unchanged" | "replaced"
    embedded: int = 0


class Ingestor:
    def __init__(self, settings: Settings, records: RecordStore, blobs: BlobStore,
                 index: ChunkIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.records = records
        self.blobs = blobs
        self.index = index
        self.embedder = embedder
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _lock(self, key: tuple[str, str, str]) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def ingest(self, data: bytes, filename: str, tenant: str,
               collection: str = "default") -> IngestResult:
        """Example: ``ingestor.ingest(Path("a.md").read_bytes(), "a.md", "acme")``."""
        if len(data) > self.settings.max_upload_bytes:
            raise PayloadTooLarge(
                f"{filename}: {len(data)} bytes is over the limit of "
                f"{self.settings.max_upload_bytes} bytes")
        media_type = sniff(data, filename)
        doc_id = content_hash(tenant, collection, data)
        with self._lock((tenant, collection, doc_id)):
            existing = self.records.get_document(tenant, doc_id)
            if existing is not None:
                return IngestResult(existing, "unchanged")
            parsed = parse_isolated(data, filename, media_type, self.settings.parse_timeout_s,
                                    self.settings.parse_memory_mb)
            chunks = chunk_document(parsed, doc_id=doc_id, tenant=tenant, collection=collection,
                                    source=filename, budget=self.settings.chunk_tokens,
                                    overlap=self.settings.chunk_overlap_tokens)
            if not chunks:
                raise EmptyDocument(f"{filename}: no text could be extracted")
            vectors, embedded = self._vectors(chunks)
            self.blobs.put(f"{tenant}/{doc_id}/raw", data)
            self.blobs.put(f"{tenant}/{doc_id}/text", parsed.text.encode("utf-8"))
            self.index.add(chunks, vectors)
            previous = self.records.find_by_source(tenant, collection, filename)
            doc = Document(id=doc_id, tenant=tenant, collection=collection, source=filename,
                           title=parsed.title, media_type=media_type,
                           content_hash=content_hash(data), size_bytes=len(data),
                           chunk_count=len(chunks), created_at=time.time())
            if not self.records.insert_document(doc):  # another process won the race
                return IngestResult(self.records.get_document(tenant, doc_id) or doc, "unchanged")
            if previous is not None and previous.id != doc_id:
                self.delete(tenant, previous.id)
                return IngestResult(doc, "replaced", embedded)
            return IngestResult(doc, "created", embedded)

    def _vectors(self, chunks: list) -> tuple[np.ndarray, int]:
        hashes = [text_hash(c) for c in chunks]
        cached = self.index.cached_vectors(hashes)
        todo = [i for i, h in enumerate(hashes) if h not in cached]
        vectors = np.zeros((len(chunks), self.embedder.dim), dtype=np.float32)
        if todo:
            fresh = self.embedder.embed([chunks[i].embed_text for i in todo])
            vectors[todo] = fresh
        for i, h in enumerate(hashes):
            if h in cached:
                vectors[i] = cached[h]
        return vectors, len(todo)

    def delete(self, tenant: str, doc_id: str) -> Document:
        doc = self.records.get_document(tenant, doc_id)
        if doc is None:
            raise NotFound(f"no document {doc_id!r}")
        self.index.delete_document(tenant, doc_id)
        self.blobs.delete(f"{tenant}/{doc_id}/raw")
        self.blobs.delete(f"{tenant}/{doc_id}/text")
        self.records.delete_document(tenant, doc_id)
        return doc
