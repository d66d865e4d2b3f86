"""Ingestion: bytes in, a searchable document out. Idempotent by content hash.

- Same content again (same tenant and collection): no-op, same id, nothing embedded.
- Same source name with new content: the new document replaces the old one,
  which is removed only after the new one is fully stored.
- Vectors of unchanged chunks are reused, never recomputed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import structlog

from ragworks.embed import Embedder
from ragworks.errors import (
    EmptyDocument,
    NotFound,
    PayloadTooLarge,
    RagworksError,
    Unavailable,
)
from ragworks.index.protocol import ChunkIndex
from ragworks.ingest import ocr, screen
from ragworks.ingest.chunker import PROFILES, chunk_document
from ragworks.ingest.precheck import as_utf8, check_before_parse, safe_path
from ragworks.ingest.sandbox import limit_workers, parse_isolated
from ragworks.ingest.sniff import PDF, sniff
from ragworks.models import Chunk, Document, ParsedDocument, content_hash
from ragworks.settings import Settings
from ragworks.storage import BlobStore, RecordStore
from ragworks.text import text_hash

log = structlog.get_logger(__name__)

#: chunks embedded per call; shutdown is noticed between batches
EMBED_BATCH = 64

@dataclass(frozen=True)
class Prepared:
    """A parsed and chunked document, not yet embedded or stored."""

    document: Document
    chunks: list[Chunk]
    data: bytes
    text: str
    filename: str
    parsed: ParsedDocument | None = None


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
        self._locks: dict[tuple[str, ...], threading.RLock] = {}
        self._locks_guard = threading.Lock()
        #: built chunking profiles other than the default: name -> their own index
        self.profiles: Callable[[], dict[str, ChunkIndex]] = dict
        #: set on shutdown: embedding stops between batches instead of finishing the file
        self.stopping = threading.Event()
        #: told (tenant, doc id) after a document is deleted (or replaced by a new
        #: version): the traces take its passages out of their prompts
        self.on_deleted: Callable[[str, str, list[str]], object] | None = None
        limit_workers(settings.parse_workers)

    def _lock(self, *key: str) -> threading.RLock:
        """One lock per key: ("name", tenant, collection, source) serialises the versions
        of one file name; ("doc", tenant, doc id) one document's content."""
        with self._locks_guard:
            return self._locks.setdefault(key, threading.RLock())

    def ingest(self, data: bytes, filename: str, tenant: str,
               collection: str = "default") -> IngestResult:
        """Example: ``ingestor.ingest(Path("a.md").read_bytes(), "a.md", "acme")``."""
        data, filename = as_utf8(data), safe_path(filename)
        doc_id = self._doc_id(data, filename, tenant, collection)
        with self._lock("name", tenant, collection, filename), \
                self._lock("doc", tenant, doc_id):
            prepared = self.prepare(data, filename, tenant, collection)
            if isinstance(prepared, IngestResult):
                return prepared
            vectors, fresh = self._vectors(prepared.chunks)
            return self.commit(prepared, vectors, int(fresh.sum()))

    def ingest_many(self, files: Iterable[tuple[str, Callable[[], bytes]]], tenant: str,
                    collection: str = "default",
                    on_result: Callable[[str, IngestResult | RagworksError], None] | None = None,
                    batch_chunks: int = 256) -> None:
        """Ingest many files: parse ahead in parallel, embed across files in large batches.

        ``files`` yields (name, read) pairs; ``on_result(name, result_or_error)`` is
        called once per file, in order, as each one is stored.
        """
        report = on_result or (lambda name, result: None)
        pending: list[tuple[str, Prepared | IngestResult | RagworksError]] = []

        def flush() -> None:
            prepared = [p for _, p in pending if isinstance(p, Prepared)]
            vectors, fresh = self._vectors([c for p in prepared for c in p.chunks])
            offset = 0
            for name, item in pending:
                if isinstance(item, Prepared):
                    span = slice(offset, offset + len(item.chunks))
                    offset = span.stop
                    item = self.commit(item, vectors[span], int(fresh[span].sum()))
                report(name, item)
            pending.clear()

        def prepare(name: str, read: Callable[[], bytes]) -> Prepared | IngestResult:
            return self.prepare(read(), name, tenant, collection)

        with ThreadPoolExecutor(self.settings.parse_workers) as pool:
            futures = [(name, pool.submit(prepare, name, read)) for name, read in files]
            waiting = 0
            for name, future in futures:
                try:
                    item: Prepared | IngestResult | RagworksError = future.result()
                except RagworksError as exc:
                    item = exc
                pending.append((name, item))
                waiting += len(item.chunks) if isinstance(item, Prepared) else 0
                if waiting >= batch_chunks:
                    flush()
                    waiting = 0
            flush()

    def _doc_id(self, data: bytes, filename: str, tenant: str, collection: str) -> str:
        if len(data) > self.settings.max_upload_bytes:
            raise PayloadTooLarge(
                f"{filename}: {len(data)} bytes is over the limit of "
                f"{self.settings.max_upload_bytes} bytes")
        return content_hash(tenant, collection, data)

    def prepare(self, data: bytes, filename: str, tenant: str,
                collection: str) -> Prepared | IngestResult:
        """Sniff, parse (sandboxed) and chunk; an IngestResult when there is nothing to do."""
        data, filename = as_utf8(data), safe_path(filename)
        doc_id = self._doc_id(data, filename, tenant, collection)
        media_type = sniff(data, filename)
        existing = self.records.get_document(tenant, doc_id)
        if existing is not None and len(self.index.chunks_of(tenant, doc_id)) >= \
                existing.chunk_count:
            # a crash between storing a new version and dropping the old one left both:
            # this file is the version to keep (same name only: the lock order stays
            # name -> document)
            if existing.source == filename:
                self._drop_other_versions(existing)
            return IngestResult(existing, "unchanged")
        # (a record whose chunks are missing, after a crash mid-ingest, is indexed again)
        check_before_parse(data, filename, media_type, self.settings.max_document_chars)
        parsed = parse_isolated(data, filename, media_type, self._timeout(media_type),
                                self.settings.parse_memory_mb, tenant)
        chars = len(parsed.body)
        if chars > self.settings.max_document_chars:
            raise PayloadTooLarge(
                f"{filename}: its text is {chars} characters; the limit is "
                f"{self.settings.max_document_chars} (RAGWORKS_MAX_DOCUMENT_CHARS)")
        chunks = chunk_document(parsed, doc_id=doc_id, tenant=tenant, collection=collection,
                                source=filename, budget=self.settings.chunk_tokens,
                                overlap=self.settings.chunk_overlap_tokens)
        if len(chunks) > self.settings.max_document_chunks:
            raise PayloadTooLarge(
                f"{filename}: it makes {len(chunks)} chunks; the limit is "
                f"{self.settings.max_document_chunks} (RAGWORKS_MAX_DOCUMENT_CHUNKS)")
        if not chunks:
            raise EmptyDocument(f"{filename}: no text could be extracted")
        flags = tuple(dict.fromkeys(r for found in screen.reasons_all([c.text for c in chunks])
                                    for r in found))
        doc = Document(id=doc_id, tenant=tenant, collection=collection, source=filename,
                       title=parsed.title, media_type=media_type,
                       content_hash=content_hash(data), size_bytes=len(data),
                       chunk_count=len(chunks), created_at=time.time(), flags=flags)
        return Prepared(doc, chunks, data, parsed.text, filename, parsed)

    def _timeout(self, media_type: str) -> float:
        """A PDF or an image may need OCR, which has its own budget on top."""
        scans = media_type == PDF or media_type.startswith("image/")
        return self.settings.parse_timeout_s + (ocr.BUDGET_S if scans else 0.0)

    def commit(self, prepared: Prepared, vectors: np.ndarray, embedded: int) -> IngestResult:
        """Store blobs, the record, then the chunks; then drop the file's older version.

        The record goes first: a crash before the chunks are in leaves a record that
        the next ingestion of the same file repairs, never unlisted chunks in search.
        """
        doc, tenant = prepared.document, prepared.document.tenant
        with self._lock("name", tenant, doc.collection, doc.source):
            self.blobs.put(f"{tenant}/{doc.id}/raw", prepared.data)
            self.blobs.put(f"{tenant}/{doc.id}/text", prepared.text.encode("utf-8"))
            created = self.records.insert_document(doc)
            self.index.add(prepared.chunks, vectors)
            if prepared.parsed is not None:
                for name, index in self.profiles().items():
                    self.index_profile(name, index, doc, prepared.parsed)
            replaced = self._drop_other_versions(doc)
        if not created:  # another writer made it first, or this repaired a crash
            return IngestResult(self.records.get_document(tenant, doc.id) or doc, "unchanged")
        return IngestResult(doc, "replaced" if replaced else "created", embedded)

    def _drop_other_versions(self, keep: Document) -> int:
        """Delete every other document stored under this one's name (the file's older
        versions); returns how many. Under the name's lock, so concurrent uploads of one
        name leave exactly one version and never trip over each other's deletes."""
        dropped = 0
        with self._lock("name", keep.tenant, keep.collection, keep.source):
            for other in self.records.versions_of(keep.tenant, keep.collection, keep.source):
                if other.id != keep.id:
                    try:
                        self.delete(keep.tenant, other.id)
                        dropped += 1
                    except NotFound:
                        pass  # another process deleted it first
        return dropped

    def index_profile(self, name: str, index: ChunkIndex, doc: Document,
                      parsed: ParsedDocument | None = None) -> int:
        """Chunk a stored document with a profile into that profile's index (idempotent).

        Returns the number of chunks embedded now (0 when they were all there)."""
        if len(index.chunks_of(doc.tenant, doc.id)) >= 1 and parsed is None:
            return 0
        if parsed is None:
            parsed = parse_isolated(self.blobs.get(f"{doc.tenant}/{doc.id}/raw"), doc.source,
                                    doc.media_type, self._timeout(doc.media_type),
                                    self.settings.parse_memory_mb, doc.tenant)
        budget, overlap = PROFILES[name]
        chunks = chunk_document(parsed, doc_id=doc.id, tenant=doc.tenant,
                                collection=doc.collection, source=doc.source,
                                budget=budget, overlap=overlap)
        if not chunks:
            return 0
        vectors, fresh = self._vectors(chunks, index)
        index.add(chunks, vectors)
        return int(fresh.sum())

    def reindex(self, name: str, index: ChunkIndex,
                progress: Callable[[Document], None] | None = None) -> tuple[int, int]:
        """Build (or complete) a profile's index from every stored document.

        Returns (documents, chunks embedded)."""
        docs = embedded = 0
        for tenant in self.records.tenants():
            offset = 0
            while batch := self.records.list_documents(tenant, limit=200, offset=offset):
                offset += len(batch)
                for doc in batch:
                    embedded += self.index_profile(name, index, doc)
                    docs += 1
                    if progress:
                        progress(doc)
        return docs, embedded

    def _vectors(self, chunks: list[Chunk],
                 index: ChunkIndex | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Vectors for chunks, reusing stored ones; and a mask of those embedded now."""
        hashes = [text_hash(c) for c in chunks]
        tenant = chunks[0].tenant if chunks else ""
        cached = (index or self.index).cached_vectors(tenant, hashes) if chunks else {}
        fresh = np.array([h not in cached for h in hashes], dtype=bool)
        vectors = np.zeros((len(chunks), self.embedder.dim), dtype=np.float32)
        # shortest first: each batch holds texts of about one length, so little of a
        # batch is padding (files come in any order; their chunks' lengths vary)
        todo = sorted(np.flatnonzero(fresh), key=lambda i: len(chunks[i].embed_text))
        for at in range(0, len(todo), EMBED_BATCH):
            if self.stopping.is_set():
                raise Unavailable("the service is shutting down; send the file again")
            part = todo[at:at + EMBED_BATCH]
            vectors[part] = self.embedder.embed([chunks[i].embed_text for i in part])
        for i, h in enumerate(hashes):
            if h in cached:
                vectors[i] = cached[h]
        return vectors, fresh

    def delete(self, tenant: str, doc_id: str, erase: bool = False) -> Document:
        """Chunks first, then blobs, then the record: a crash midway leaves a listed
        document that a second delete finishes, never chunks without a document. Of
        concurrent deletes of one document, one succeeds and the others get NotFound.
        Traces forget the passages their prompts quoted; with ``erase`` their answers
        also lose the sentences that quote the document."""
        with self._lock("doc", tenant, doc_id):
            doc = self.records.get_document(tenant, doc_id)
            if doc is None:
                raise NotFound(f"no document {doc_id!r}")
            text = [c.text for c in self.index.chunks_of(tenant, doc_id)] if erase else []
            if text and self.on_deleted is not None:
                # first, so that a failure leaves the document to delete again; once more
                # below for the answers given while the chunks were being removed
                self.on_deleted(tenant, doc_id, text)
            self.index.delete_document(tenant, doc_id)
            for index in self.profiles().values():
                index.delete_document(tenant, doc_id)
            self.blobs.delete(f"{tenant}/{doc_id}/raw")
            self.blobs.delete(f"{tenant}/{doc_id}/text")
            if not self.records.delete_document(tenant, doc_id):
                raise NotFound(f"no document {doc_id!r}")  # another process was first
        if self.on_deleted is not None:
            try:
                self.on_deleted(tenant, doc_id, text)
            except Exception:  # noqa: BLE001 - the document is gone; retention clears the rest
                log.exception("forget_document_failed", tenant=tenant, doc_id=doc_id)
        return doc
