"""Keeping the stores tidy: trace retention, as a pass or as a background loop."""

from __future__ import annotations

import threading
import time

import structlog

from ragworks.services import Services

log = structlog.get_logger(__name__)


def prune_traces(svc: Services) -> int:
    """Delete traces (and their feedback) older than the retention period; how many."""
    cutoff = time.time() - svc.settings.trace_retention_days * 86400
    removed = svc.traces.delete_traces_before(cutoff)
    if removed:
        log.info("traces_pruned", removed=removed, retention_days=svc.settings.trace_retention_days)
    return removed


def retention_loop(svc: Services, stop: threading.Event, every_s: float = 3600) -> None:
    """Prune at start, then every hour, until stopped."""
    while not stop.is_set():
        try:
            prune_traces(svc)
        except Exception as exc:  # noqa: BLE001 - a failed pass is retried next time
            log.error("trace_retention_failed", error=str(exc))
        stop.wait(every_s)
