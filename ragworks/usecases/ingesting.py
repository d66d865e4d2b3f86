"""Ingest files: one at a time (an upload, a queued job) or many (the CLI, the demo).

Every file leaves an "ingest" trace (its name and size, never its text) and counts in
the ``ingested`` metric by outcome, whichever way it came in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ragworks.errors import RagworksError
from ragworks.ingest.service import IngestResult
from ragworks.services import Services


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
