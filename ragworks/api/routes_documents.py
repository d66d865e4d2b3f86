"""/api/v1/documents: upload, list, read, delete."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ragworks.api.deps import caller, services_dep
from ragworks.api.responses import DocumentDetail
from ragworks.api.schemas import MAX_OFFSET, DocumentList, IngestResponse
from ragworks.auth import Principal
from ragworks.errors import BadInput, NotFound, PayloadTooLarge
from ragworks.ingest.precheck import safe_name
from ragworks.models import Document
from ragworks.services import Services
from ragworks.usecases.ingesting import ingest_file, queue_upload

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_collection(name: str) -> str:
    if not _NAME.match(name):
        raise BadInput("collection must be 1-64 letters, digits, '.', '_' or '-'")
    return name


class QueuedUpload(BaseModel):
    job_id: str
    document_id: str
    status: str


@router.post("", status_code=201, response_model=IngestResponse | QueuedUpload)
async def upload(response: Response, file: UploadFile = File(...),
                 collection: str = Form("default"),
                 background: bool = Query(False, description="queue it for `ragworks worker`"),
                 who: Principal = Depends(caller),
                 svc: Services = Depends(services_dep)) -> IngestResponse | QueuedUpload:
    """Upload one file (txt, md, html, pdf, docx). 200 when the same content is there already.

    With ``?background=true`` the file is stored and queued (202); a worker ingests it:
    follow ``GET /api/v1/jobs/{job_id}``; ``GET /api/v1/documents/{document_id}`` answers
    once it is in."""
    who.require("ingest")
    check_collection(collection)
    limit = svc.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"upload is over the limit of {limit} bytes")
    name = safe_name(file.filename or "upload")
    if background:
        job, doc_id = await run_in_threadpool(queue_upload, svc, data, name, who.tenant,
                                              collection)
        response.status_code = 202
        return QueuedUpload(job_id=job["id"], document_id=doc_id, status="queued")
    result = await run_in_threadpool(ingest_file, svc, data, name, who.tenant, collection)
    if result.status == "unchanged":
        response.status_code = 200
    return IngestResponse(document=result.document, status=result.status,
                          embedded=result.embedded)


@router.get("", response_model=DocumentList)
def list_documents(collection: str | None = None, limit: int = Query(100, ge=1, le=1000),
                   offset: int = Query(0, ge=0, le=MAX_OFFSET),
                   who: Principal = Depends(caller),
                   svc: Services = Depends(services_dep)) -> DocumentList:
    who.require("query")
    docs = svc.records.list_documents(who.tenant, collection, limit, offset)
    return DocumentList(documents=list(docs), total=svc.records.count_documents(
        who.tenant, collection), limit=limit, offset=offset)


@router.get("/{doc_id}", response_model=DocumentDetail)
def get_document(doc_id: str, who: Principal = Depends(caller),
                 svc: Services = Depends(services_dep)) -> dict:
    who.require("query")
    doc = svc.records.get_document(who.tenant, doc_id)
    if doc is None:
        raise NotFound(f"no document {doc_id!r}")
    chunks = svc.index.chunks_of(who.tenant, doc_id)
    return {"document": doc, "chunks": [c.model_dump() for c in chunks]}


@router.delete("/{doc_id}", response_model=Document)
def delete_document(doc_id: str, erase: bool = Query(
                        False, description="also redact the sentences of stored answers "
                        "and traces that quote the document"),
                    who: Principal = Depends(caller),
                    svc: Services = Depends(services_dep)) -> Document:
    who.require("ingest")
    return svc.ingestor.delete(who.tenant, doc_id, erase=erase)
