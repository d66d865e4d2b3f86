"""Ingest files: one at a time (an upload, a queued job) or many (the CLI, the demo).

Every file leaves an "ingest" trace (its name and size, never its text) and counts in
the ``ingested`` metric by outcome, whichever way it came in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ragworks.errors import EmptyDocument, RagworksError
from ragworks.ingest.precheck import as_utf8
from ragworks.ingest.service import IngestResult
from ragworks.ingest.sniff import sniff
from ragworks.models import content_hash
from ragworks.services import Services
from ragworks.usecases import jobs


def ingest_file(svc: Services, data: bytes, name: str, tenant: str,
                collection: str) -> IngestResult:
    """Ingest one file inside an "ingest" trace."""
    rec = svc.tracer.start("ingest", tenant, input={"source": name, "bytes": len(data),
                                                    "collection": collection})
    try:
        with rec.span("ingest_file") as span:
            result = svc.ingestor.ingest(data, name, tenant, collection)
            span.output = {"status": result.status, "chunks": result.document.chunk_count,
                           "embedded": result.embedded}
    except RagworksError as exc:
        svc.metrics.ingested.labels("failed").inc()
        svc.tracer.finish(rec, "error", f"{type(exc).__name__}: {exc.message}")
        raise
    rec.trace.output = {"document_id": result.document.id, "status": result.status}
    svc.metrics.ingested.labels(result.status).inc()
    svc.tracer.finish(rec)
    return result


def ingest_files(svc: Services, files: Iterable[tuple[str, Callable[[], bytes]]], tenant: str,
                 collection: str,
                 on_result: Callable[[str, IngestResult | RagworksError], None] | None = None,
                 ) -> None:
    """Ingest many files the fast way (parsed ahead in parallel, embedded across files in
    large batches); each file's trace is recorded as it is stored."""
    def done(name: str, result: IngestResult | RagworksError) -> None:
        rec = svc.tracer.start("ingest", tenant, input={"source": name,
                                                        "collection": collection,
                                                        "batch": True})
        if isinstance(result, RagworksError):
            svc.metrics.ingested.labels("failed").inc()
            svc.tracer.finish(rec, "error", f"{type(result).__name__}: {result.message}")
        else:
            rec.trace.output = {"document_id": result.document.id, "status": result.status,
                                "chunks": result.document.chunk_count,
                                "embedded": result.embedded}
            svc.metrics.ingested.labels(result.status).inc()
            svc.tracer.finish(rec)
        if on_result is not None:
            on_result(name, result)

    svc.ingestor.ingest_many(files, tenant, collection, on_result=done)


def queue_upload(svc: Services, data: bytes, name: str, tenant: str,
                 collection: str) -> tuple[dict[str, Any], str]:
    """Store an upload and queue it for a worker: (its job, the document id it will have).
    An empty file or a wrong type is refused now, not in the worker."""
    if not data:
        raise EmptyDocument(f"{name}: the file is empty")
    data = as_utf8(data)
    sniff(data, name)
    doc_id = content_hash(tenant, collection, data)
    blob = f"uploads/{tenant}/{doc_id}"
    svc.blobs.put(blob, data)
    job = jobs.submit(svc, tenant, "ingest",
                      {"blob": blob, "filename": name, "collection": collection,
                       "document_id": doc_id},
                      1, {"document_id": doc_id, "filename": name, "collection": collection})
    return job, doc_id


def ingest_queued(svc: Services, job: dict[str, Any]) -> dict[str, Any]:
    """The worker's side of ``queue_upload``: ingest the stored upload, then remove it."""
    try:
        data = svc.blobs.get(job["blob"])
    except KeyError:
        # the same file queued twice: the other job ingested it and removed the upload;
        # if the document is not there, the upload is really gone
        done = svc.records.get_document(job["tenant"], job.get("document_id", ""))
        if done is None:
            raise
        return {"document_id": done.id, "status": "unchanged"}
    result = ingest_file(svc, data, job["filename"], job["tenant"],
                         job.get("collection", "default"))
    svc.blobs.delete(job["blob"])
    return {"document_id": result.document.id, "status": result.status,
            "chunks": result.document.chunk_count}
