"""The tracer: starts trace recorders and, when a trace is finished, stores it (with
its rollups) locally and hands it to the background exporters.

    tracer = Tracer(store, ExportProcess([("otlp", {"endpoint": url})]))
    rec = tracer.start("query", tenant="acme", user_id="u1")
    ...
    tracer.finish(rec)
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import structlog

from ragworks.observe.export_process import ExportProcess
from ragworks.observe.model import Score, Trace
from ragworks.observe.recorder import TraceRecorder
from ragworks.observe.store import TraceStore

log = structlog.get_logger(__name__)


class Tracer:
    def __init__(self, store: TraceStore | None, export: ExportProcess | None = None) -> None:
        self.store = store
        self.export = export
        self.store_failures = 0
        #: told the cause when a trace could not be stored (readiness listens)
        self.on_store_failure: Callable[[str], None] | None = None
        #: whether storage writes are failing lately: then a trace is written before its
        #: id is handed out, so an unstored trace's id is not; else the store may write
        #: it on its own thread (the request does not wait for it)
        self.writes_failing: Callable[[], bool] = lambda: False

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
                self.store.save_trace(trace, wait=self.writes_failing())
            except Exception as exc:  # noqa: BLE001 - tracing must not fail the request
                rec.stored = False  # the caller must not hand out this trace's id
                self.store_failed(f"{type(exc).__name__}: {exc}")
        if self.export is not None:
            # the query vector is stored for drift, never sent to the export process; the
            # stored trace may still be being written, so the export gets a copy without it
            self.export.submit(dataclasses.replace(trace, query_vector=None))
        return trace

    def store_failed(self, cause: str) -> None:
        """A trace could not be stored (here, or on the store's own writer thread)."""
        self.store_failures += 1
        log.error("trace_store_failed", error=cause)
        if self.on_store_failure is not None:
            self.on_store_failure(cause)

    def add_scores(self, tenant: str, scores: Sequence[Score], roll_up: bool = True) -> None:
        """Scores for an already finished trace (feedback, evaluations): stored, rolled up
        (unless they update earlier ones) and exported like the trace's own scores."""
        if self.store is not None:
            self.store.add_scores(tenant, scores, roll_up)
        if self.export is not None and scores:
            self.export.submit_scores(list(scores))

    def flush(self, timeout_s: float) -> bool:
        return True if self.export is None else self.export.flush(timeout_s)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        if self.export is not None:
            self.export.shutdown(timeout_s)

    def stats(self) -> dict[str, dict[str, int]]:
        return {} if self.export is None else self.export.stats()
