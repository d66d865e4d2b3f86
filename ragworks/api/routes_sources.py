"""/api/v1/sources: folders, S3 prefixes and websites whose documents stay in sync.

Adding a source reads from the server's side (its folders, its network), so it takes
the admin scope; a folder must lie under ``RAGWORKS_SOURCE_ROOTS`` and a website must be
public unless ``RAGWORKS_SOURCE_ALLOW_PRIVATE`` is set. Syncs run as jobs:
``POST /api/v1/sources/{id}/sync`` answers 202 with the job to follow.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from ragworks.api.deps import caller, services_dep
from ragworks.api.responses import Job, Open
from ragworks.api.routes_documents import check_collection
from ragworks.auth import Principal
from ragworks.services import Services
from ragworks.usecases import syncing

router = APIRouter(prefix="/api/v1/sources", tags=["sources"])


class NewSource(BaseModel):
    """One of: ``path`` (folder), ``bucket`` and ``prefix`` (s3), ``url`` (website)."""
    model_config = ConfigDict(extra="forbid")
    kind: Literal["folder", "s3", "website"]
    collection: str = "default"
    name: str = Field("", max_length=200)
    path: str = Field("", max_length=4096, description="folder: an absolute path")
    bucket: str = Field("", max_length=63)
    prefix: str = Field("", max_length=1024)
    url: str = Field("", max_length=2048, description="website: the start page")
    sitemap: str = Field("", max_length=2048, description="website: a sitemap to start from")
    max_pages: int = Field(100, ge=1, description="website: pages fetched per sync")
    interval_s: float | None = Field(None, ge=0, description="seconds between scheduled "
                                     "syncs; 0: on demand only; default "
                                     "RAGWORKS_SOURCE_INTERVAL_S")


class Source(Open):
    id: str
    kind: str
    name: str
    collection: str
    spec: dict
    interval_s: float
    items: dict = Field(description="items now ok and failed")
    last_sync: dict | None = Field(description="status, error, duration_s and the counts "
                                   "(seen, added, changed, unchanged, removed, failed)")


class SourceList(BaseModel):
    sources: list[Source]


class SourceItem(Open):
    key: str = Field(description="its path in the folder or bucket, or its URL")
    status: str = Field(description="ok or failed")
    error: str | None
    document_id: str | None
    attempts: int


class SourceDetail(BaseModel):
    source: Source
    items: list[SourceItem]


class RemovedSource(BaseModel):
    id: str
    removed_items: int
    kept_documents: bool


@router.post("", response_model=Source, status_code=201)
def add_source(spec: NewSource, who: Principal = Depends(caller),
               svc: Services = Depends(services_dep)) -> dict:
    """Add a source; its first sync is queued at once (follow ``GET /api/v1/jobs``)."""
    who.require("admin")
    check_collection(spec.collection)
    source = syncing.add_source(svc, who.tenant, spec.model_dump(), trusted=False)
    syncing.queue_sync(svc, who.tenant, source["id"])
    return syncing.get_source(svc, who.tenant, source["id"])


@router.get("", response_model=SourceList)
def list_sources(who: Principal = Depends(caller),
                 svc: Services = Depends(services_dep)) -> dict:
    who.require("ingest")
    return {"sources": svc.sources.all(who.tenant)}


@router.get("/{source_id}", response_model=SourceDetail)
def get_source(source_id: str, who: Principal = Depends(caller),
               svc: Services = Depends(services_dep)) -> dict:
    """The source and each item's status (failed ones first, with their reason)."""
    who.require("ingest")
    source = syncing.get_source(svc, who.tenant, source_id)
    items = sorted(svc.sources.items(source_id).values(),
                   key=lambda i: (i["status"] == "ok", i["key"]))
    return {"source": source, "items": items}


@router.post("/{source_id}/sync", response_model=Job, status_code=202)
def sync_now(source_id: str, who: Principal = Depends(caller),
             svc: Services = Depends(services_dep)) -> dict:
    who.require("ingest")
    return syncing.queue_sync(svc, who.tenant, source_id)


@router.delete("/{source_id}", response_model=RemovedSource)
async def remove_source(source_id: str,
                        keep_documents: bool = Query(False, description="keep the "
                                                     "documents it brought"),
                        who: Principal = Depends(caller),
                        svc: Services = Depends(services_dep)) -> dict:
    """Forget the source and delete its documents (409 while a sync holds it)."""
    who.require("admin")
    return await run_in_threadpool(syncing.remove_source, svc, who.tenant, source_id,
                                   keep_documents)
