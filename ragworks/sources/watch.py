"""Folder sources watched for changes: a change queues a sync of its folder within seconds.

    watch = FolderWatch(on_change=lambda tenant, source_id: ...)
    watch.reconcile(sources)   # watch exactly these folder sources' folders
    watch.stop()

Changes are gathered for ``settle_s`` (an editor's save is several events, a copied
folder many): one sync per burst. The scheduled rescan stays the safety net, for what a
watch cannot see (a network file system, a folder mounted later).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

log = structlog.get_logger(__name__)


class _Changed(FileSystemEventHandler):
    def __init__(self, poke: Callable[[], None]) -> None:
        self.poke = poke

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in ("opened", "closed_no_write"):  # reads change nothing
            self.poke()


class FolderWatch:
    def __init__(self, on_change: Callable[[str, str], object], settle_s: float = 2.0) -> None:
        self.on_change, self.settle_s = on_change, settle_s
        self.observer = Observer()
        self.observer.daemon = True
        self.watched: dict[str, tuple[str, ObservedWatch]] = {}  # source id -> (path, watch)
        self.timers: dict[str, threading.Timer] = {}
        self.lock = threading.Lock()
        self.started = False

    def reconcile(self, sources: Iterable[dict[str, Any]]) -> None:
        wanted = {s["id"]: s for s in sources if s["kind"] == "folder"}
        with self.lock:
            for sid in list(self.watched):
                if sid not in wanted or wanted[sid]["spec"]["path"] != self.watched[sid][0]:
                    self.observer.unschedule(self.watched.pop(sid)[1])
            for sid, source in wanted.items():
                if sid not in self.watched:
                    self._schedule(source)
            if not self.started:
                self.observer.start()
                self.started = True

    def _schedule(self, source: dict[str, Any]) -> None:
        path, tenant, sid = source["spec"]["path"], source["tenant"], source["id"]
        try:
            watch = self.observer.schedule(_Changed(lambda: self._poke(tenant, sid)), path,
                                           recursive=True)
        except OSError as exc:  # gone, or out of inotify watches: the rescan still syncs it
            log.warning("folder_not_watched", source=sid, path=path, error=str(exc))
            return
        self.watched[sid] = (path, watch)

    def _poke(self, tenant: str, source_id: str) -> None:
        with self.lock:
            if source_id in self.timers:
                return  # a sync is coming for this burst already
            timer = threading.Timer(self.settle_s, self._fire, (tenant, source_id))
            timer.daemon = True
            self.timers[source_id] = timer
            timer.start()

    def _fire(self, tenant: str, source_id: str) -> None:
        with self.lock:
            self.timers.pop(source_id, None)
        try:
            self.on_change(tenant, source_id)
        except Exception:
            log.exception("folder_change_not_queued", source=source_id)

    def stop(self) -> None:
        with self.lock:
            for timer in self.timers.values():
                timer.cancel()
            if self.started:
                self.observer.stop()
        if self.started:
            self.observer.join(timeout=5)
