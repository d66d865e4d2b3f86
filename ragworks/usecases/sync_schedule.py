"""When sources sync without being asked: on their interval, and when a watched folder
changes. ``source_loop`` runs beside the server (``RAGWORKS_SOURCE_CHECK_S``); the syncs
themselves are jobs (``usecases/syncing.py``), so any worker may take them.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import structlog

from ragworks.services import Services
from ragworks.usecases.syncing import queue_sync

log = structlog.get_logger(__name__)


def waiting(svc: Services, source: dict[str, Any], now: float) -> bool:
    """Whether a sync of the source is queued that no worker has started yet (one lost
    with its queue counts as started after ten lease periods)."""
    queued = source.get("queued_at") or 0.0
    started = max(source.get("syncing_since") or 0.0,
                  (source.get("last_sync") or {}).get("started_at") or 0.0)
    return queued > started and now - queued < 10 * svc.settings.source_lease_s


def due_sources(svc: Services, now: float | None = None) -> list[dict[str, Any]]:
    """Sources whose interval has passed since their last sync and that are not queued."""
    now = time.time() if now is None else now
    out = []
    for source in svc.sources.all():
        last = (source.get("last_sync") or {}).get("finished_at") or 0.0
        if (source.get("interval_s", 0) > 0 and now - last >= source["interval_s"]
                and not waiting(svc, source, now)):
            out.append(source)
    return out


def queue_due(svc: Services, now: float | None = None) -> int:
    """Queue a sync of every source that is due; returns how many were queued."""
    due = due_sources(svc, now)
    for source in due:
        queue_sync(svc, source["tenant"], source["id"])
    return len(due)


def _changed(svc: Services, tenant: str, source_id: str) -> None:
    """A watched folder changed: sync it, unless a sync is queued and not started."""
    source = svc.sources.get(tenant, source_id)
    if source is not None and not waiting(svc, source, time.time()):
        queue_sync(svc, tenant, source_id)


def source_loop(svc: Services, stop: threading.Event, every_s: float) -> None:
    """Beside the server: queue the syncs that are due, and keep the folder sources
    watched, until ``stop`` is set."""
    from ragworks.sources.watch import FolderWatch

    watch = FolderWatch(lambda tenant, sid: _changed(svc, tenant, sid))
    try:
        while True:
            try:
                queue_due(svc)
                watch.reconcile(svc.sources.all())
            except Exception:
                log.exception("source_check_failed")
            if stop.wait(every_s):
                return
    finally:
        watch.stop()
