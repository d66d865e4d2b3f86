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


def retention_loop(svc: Services, stop: threading.Event, every_s: float = 3600,
                   first_s: float = 300) -> None:
    """Queue a retention job five minutes after start, then every hour, until stopped; a
    worker runs it (nothing is urgent about old traces, and a start stays quiet)."""
    from ragworks.usecases.jobs import submit

    while not stop.wait(first_s):
        try:
            submit(svc, "_system", "retention", {})
        except Exception as exc:  # noqa: BLE001 - a failed pass is retried next time
            log.error("trace_retention_failed", error=str(exc))
        first_s = every_s
