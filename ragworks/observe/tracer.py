"""The tracer: starts trace recorders and, when a trace is finished, stores it (with
its rollups) locally and hands it to the background exporters.

    tracer = Tracer(store, exporters=[BackgroundExport(OTLPExporter(url), Masker())])
    rec = tracer.start("query", tenant="acme", user_id="u1")
    ...
    tracer.finish(rec)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import structlog

from ragworks.observe.export import BackgroundExport
from ragworks.observe.mask import Masker
from ragworks.observe.model import Score, Trace
from ragworks.observe.recorder import TraceRecorder
from ragworks.storage.sqlite_traces import SQLiteTraceStore

log = structlog.get_logger(__name__)


class Tracer:
    def __init__(self, store: SQLiteTraceStore | None,
                 exporters: Sequence[BackgroundExport] = (), mask: Masker | None = None) -> None:
        self.store = store
        self.exporters = list(exporters)
        self.mask = mask or Masker()
        self.store_failures = 0

    def start(self, name: str, tenant: str, **fields: Any) -> TraceRecorder:
        rec = TraceRecorder(name, tenant, **fields)
        structlog.contextvars.bind_contextvars(trace_id=rec.trace_id)
        return rec

    def finish(self, rec: TraceRecorder, status: str = "ok", message: str = "") -> Trace:
        trace = rec.trace
        trace.end = time.time()
        if status != "ok":
            trace.status, trace.status_message = status, message[:500]
        if self.store is not None:
            try:
                self.store.save_trace(trace)
            except Exception as exc:  # noqa: BLE001 - tracing must not fail the request
                self.store_failures += 1
                log.error("trace_store_failed", error=f"{type(exc).__name__}: {exc}")
        for exporter in self.exporters:
            exporter.submit(trace)
        return trace

    def add_scores(self, tenant: str, scores: Sequence[Score], trace: Trace | None = None) -> None:
        """Scores for an already finished trace (feedback, evaluations)."""
        if self.store is not None:
            self.store.add_scores(tenant, scores)
        if trace is not None:
            for exporter in self.exporters:
                exporter.submit(trace)

    def flush(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        ok = True
        for exporter in self.exporters:
            ok &= exporter.flush(max(0.1, deadline - time.monotonic()))
        return ok

    def shutdown(self, timeout_s: float = 5.0) -> None:
        for exporter in self.exporters:
            exporter.shutdown(timeout_s)

    def stats(self) -> dict[str, dict[str, int]]:
        return {e.name: {"exported": e.stats.exported, "failed": e.stats.failed,
                         "dropped": e.stats.dropped, "queue_depth": e.depth()}
                for e in self.exporters}
