"""Keep a collection in sync with a folder, an S3 prefix or a website.

    source = add_source(svc, "acme", {"kind": "folder", "path": "/srv/docs"}, trusted=True)
    sync_source(svc, "acme", source["id"])   # {"added": 12, "changed": 0, "removed": 0, ...}
    queue_sync(svc, "acme", source["id"])    # the same, as a job for a worker

A sync lists the source whole first (a listing that fails removes nothing), then removes
the documents of items that are gone, then ingests new and changed items in large
batches; each item's outcome is stored as soon as it is known, so a sync killed at any
point is finished by the next one (ingestion is idempotent by content hash). Two syncers
never work on one source at once: a sync holds the source's lease, renewed while it
works and taken over only once it lapses.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from ragworks.errors import BadInput, Conflict, Forbidden, NotFound, RagworksError, Unavailable
from ragworks.ingest.precheck import safe_path
from ragworks.ingest.service import IngestResult
from ragworks.services import Services
from ragworks.sources.connectors import Connector, FolderSource, Item, S3Source
from ragworks.sources.website import WebsiteSource, check_public, normalise
from ragworks.usecases import jobs
from ragworks.usecases.ingesting import ingest_files

log = structlog.get_logger(__name__)

KINDS = ("folder", "s3", "website")


def location(source: dict[str, Any]) -> str:
    spec = source["spec"]
    if source["kind"] == "folder":
        return str(spec["path"])
    if source["kind"] == "s3":
        return f"s3://{spec['bucket']}/{spec['prefix']}"
    return str(spec["url"])


def _spec(svc: Services, kind: str, given: dict[str, Any], trusted: bool) -> dict[str, Any]:
    """The source's settings, checked: what it points at exists and may be read."""
    settings = svc.settings
    if kind == "folder":
        path = Path(str(given.get("path") or "")).expanduser()
        if not given.get("path") or not path.is_absolute():
            raise BadInput("a folder source needs an absolute path")
        path = path.resolve()
        if not trusted and not any(path.is_relative_to(Path(r).expanduser().resolve())
                                   for r in settings.source_roots):
            raise Forbidden(f"{path} is not under RAGWORKS_SOURCE_ROOTS; set it, or add the "
                            "folder with `ragworks source add-folder`")
        if not path.is_dir():
            raise BadInput(f"{path} is not a folder on the server")
        return {"path": str(path)}
    if kind == "s3":
        bucket, prefix = str(given.get("bucket") or ""), str(given.get("prefix") or "")
        if not bucket:
            raise BadInput("an S3 source needs a bucket")
        return {"bucket": bucket, "prefix": prefix.lstrip("/")}
    url = str(given.get("url") or "")
    if not url.lower().startswith(("http://", "https://")):
        raise BadInput("a website source needs an http(s) URL")
    max_pages = int(given.get("max_pages") or 100)
    if not 1 <= max_pages <= settings.source_max_pages:
        raise BadInput(f"max_pages must be 1 to {settings.source_max_pages}")
    sitemap = str(given.get("sitemap") or "")
    if not trusted and not settings.source_allow_private:
        for u in filter(None, (url, sitemap)):
            check_public(u)
    return {"url": normalise(url), "sitemap": sitemap, "max_pages": max_pages}


def add_source(svc: Services, tenant: str, given: dict[str, Any],
               trusted: bool = False) -> dict[str, Any]:
    """Record a new source (``trusted``: from the CLI, which may read any folder and any
    site this machine can). The first sync is the caller's to start."""
    kind = str(given.get("kind") or "")
    if kind not in KINDS:
        raise BadInput(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    spec = _spec(svc, kind, given, trusted)
    collection = str(given.get("collection") or "default")
    interval = given.get("interval_s")
    source: dict[str, Any] = {
        "id": "src_" + secrets.token_hex(6), "tenant": tenant, "kind": kind, "spec": spec,
        "collection": collection, "created_at": time.time(), "last_sync": None,
        "interval_s": float(svc.settings.source_interval_s if interval is None else interval),
        "items": {"ok": 0, "failed": 0}, "queued_at": 0.0}
    source["name"] = str(given.get("name") or location(source))
    for other in svc.sources.all(tenant):
        if (other["kind"], other["collection"], location(other)) == (
                kind, collection, location(source)):
            raise Conflict(f"{location(source)} is already a source of collection "
                           f"{collection!r} ({other['id']})")
    svc.sources.create(source)
    return source


def get_source(svc: Services, tenant: str, source_id: str) -> dict[str, Any]:
    source = svc.sources.get(tenant, source_id)
    if source is None:
        raise NotFound(f"no source {source_id!r}")
    return source


def connector(svc: Services, source: dict[str, Any], known: list[str]) -> Connector:
    spec, limit = source["spec"], svc.settings.max_upload_bytes
    if source["kind"] == "folder":
        return FolderSource(Path(spec["path"]), limit)
    if source["kind"] == "s3":
        return S3Source(spec["bucket"], spec["prefix"], limit)
    return WebsiteSource(spec["url"], spec["max_pages"], limit, sitemap=spec["sitemap"],
                         known=known)


def queue_sync(svc: Services, tenant: str, source_id: str) -> dict[str, Any]:
    source = get_source(svc, tenant, source_id)
    svc.sources.update(tenant, source_id, queued_at=time.time())
    return jobs.submit(svc, tenant, "sync", {"source_id": source_id}, 1,
                       {"source_id": source_id, "source": source["name"]})


def sync_job(svc: Services, job: dict[str, Any]) -> dict[str, Any]:
    def progress(done: int, total: int) -> None:
        if job.get("job_id"):
            svc.job_status.update(job["tenant"], job["job_id"], done=done, total=total)

    summary = sync_source(svc, job["tenant"], job["source_id"], progress=progress)
    return {k: v for k, v in summary.items() if k != "error"}  # a sync that ends has none


class _Lease:
    """The source's sync lease, renewed a few times per lease period while working."""

    def __init__(self, svc: Services, tenant: str, source_id: str) -> None:
        self.store, self.tenant, self.source_id = svc.sources, tenant, source_id
        self.ttl = svc.settings.source_lease_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.renewed = 0.0

    def take(self) -> bool:
        self.renewed = time.time()
        return self.store.acquire(self.tenant, self.source_id, self.owner, self.ttl,
                                  self.renewed)

    def keep(self) -> None:
        if time.time() - self.renewed > self.ttl / 4 and not self.take():
            raise Unavailable("the sync lost its lease to another syncer; it stops here")

    def release(self) -> None:
        self.store.release(self.tenant, self.source_id, self.owner)


def sync_source(svc: Services, tenant: str, source_id: str,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Make the collection match the source; returns the counts of this sync."""
    source = get_source(svc, tenant, source_id)
    lease = _Lease(svc, tenant, source_id)
    if not lease.take():
        return {"status": "busy", "message": "another sync of this source is running"}
    started = time.time()
    counts: Counter[str] = Counter()
    try:
        svc.sources.update(tenant, source_id, syncing_since=started)
        _sync(svc, source, lease, counts, progress or (lambda done, total: None))
    except RagworksError as exc:
        _finish(svc, source, started, counts, f"{type(exc).__name__}: {exc.message}")
        raise
    except Exception as exc:
        _finish(svc, source, started, counts, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        lease.release()
    return _finish(svc, source, started, counts, None)


def _finish(svc: Services, source: dict[str, Any], started: float, counts: Counter[str],
            error: str | None) -> dict[str, Any]:
    items = svc.sources.items(source["id"]).values()
    summary = {"status": "error" if error else "ok", "error": error, "started_at": started,
               "finished_at": time.time(), "duration_s": round(time.time() - started, 3),
               **{k: counts.get(k, 0) for k in
                  ("seen", "added", "changed", "unchanged", "removed", "failed")}}
    svc.sources.update(source["tenant"], source["id"], last_sync=summary, syncing_since=None,
                       items={"ok": sum(i["status"] == "ok" for i in items),
                              "failed": sum(i["status"] == "failed" for i in items)})
    log.info("source_synced", source=source["id"], **{k: v for k, v in summary.items()
                                                      if k not in ("started_at",)})
    return summary


def _sync(svc: Services, source: dict[str, Any], lease: _Lease, counts: Counter[str],
          progress: Callable[[int, int], None]) -> None:
    store, sid = svc.sources, source["id"]
    stored = store.items(sid)
    listed: dict[str, Item] = {}
    for item in connector(svc, source, list(stored)).items():  # whole, before any change
        listed.setdefault(item.key, item)
        lease.keep()
    counts["seen"] = len(listed)
    freed = _remove_gone(svc, source, stored, listed, counts)
    todo: list[Item] = []
    for key, item in listed.items():
        before = stored.get(key)
        if item.error:
            _record(svc, sid, item, before, None, item.error)
            counts["failed"] += 1
        elif before is None or before.get("document_id") in freed or _due(svc, item, before):
            todo.append(item)
        else:
            counts["unchanged" if before["status"] == "ok" else "failed"] += 1
    progress(0, len(todo))
    done = 0

    def stored_one(name: str, result: IngestResult | RagworksError) -> None:
        nonlocal done
        item, before = listed[name], stored.get(name)
        if isinstance(result, RagworksError):
            _record(svc, sid, item, before, None, result.message)
            counts["failed"] += 1
        else:
            _record(svc, sid, item, before, result, None)
            fresh = before is None or not before.get("document_id")
            counts["added" if fresh else "changed" if result.status != "unchanged"
                   else "unchanged"] += 1
        done += 1
        progress(done, len(todo))
        lease.keep()

    ingest_files(svc, [(i.key, i.read) for i in todo], source["tenant"],
                 source["collection"], on_result=stored_one)


def _due(svc: Services, item: Item, before: dict[str, Any]) -> bool:
    """Whether an item seen before is ingested again: it changed, or it failed and has
    tries left."""
    if before["fingerprint"] != item.fingerprint:
        return True
    return before["status"] != "ok" and before.get("attempts", 0) < svc.settings.source_max_attempts


def _remove_gone(svc: Services, source: dict[str, Any], stored: dict[str, dict[str, Any]],
                 listed: dict[str, Item], counts: Counter[str]) -> set[str]:
    """Delete the documents of items no longer in the source; returns their ids (an item
    with the same content shared the document and is ingested again)."""
    freed: set[str] = set()
    tenant = source["tenant"]
    for key in sorted(stored.keys() - listed.keys()):
        doc_id = stored[key].get("document_id")
        doc = svc.records.get_document(tenant, doc_id) if doc_id else None
        if doc is not None and doc.source == safe_path(key):  # the document is this item's
            try:
                svc.ingestor.delete(tenant, doc.id)
                freed.add(doc.id)
            except NotFound:
                pass  # deleted meanwhile
        svc.sources.drop_item(source["id"], key)
        counts["removed"] += 1
    return freed


def _record(svc: Services, source_id: str, item: Item, before: dict[str, Any] | None,
            result: IngestResult | None, error: str | None) -> None:
    attempts = 0 if error is None else (
        (before or {}).get("attempts", 0) + 1
        if (before or {}).get("fingerprint") == item.fingerprint else 1)
    svc.sources.put_item(source_id, {
        "key": item.key, "fingerprint": item.fingerprint, "synced_at": time.time(),
        "status": "failed" if error else "ok", "error": error, "attempts": attempts,
        "document_id": result.document.id if result else (before or {}).get("document_id"),
        "chunks": result.document.chunk_count if result else (before or {}).get("chunks")})


def remove_source(svc: Services, tenant: str, source_id: str,
                  keep_documents: bool = False) -> dict[str, Any]:
    """Forget a source and (unless ``keep_documents``) delete the documents it brought."""
    source = get_source(svc, tenant, source_id)
    lease = _Lease(svc, tenant, source_id)
    if not lease.take():
        raise Conflict(f"source {source_id} is being synced; try again when it is done")
    removed = 0
    if not keep_documents:
        counts: Counter[str] = Counter()
        _remove_gone(svc, source, svc.sources.items(source_id), {}, counts)
        removed = counts["removed"]
    svc.sources.delete(tenant, source_id)
    return {"id": source_id, "removed_items": removed, "kept_documents": keep_documents}
