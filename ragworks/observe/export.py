"""Background export: a bounded queue and a worker thread per exporter.

``submit`` never blocks and never raises: when the queue is full the trace is
dropped and counted. The worker masks PII, calls the exporter, and counts and
logs (rate-limited) its failures; a backend that comes back is used again.
"""

from __future__ import annotations

import copy
import queue
import threading
import time
from dataclasses import dataclass, fields
from typing import Any, Protocol

import structlog

from ragworks.observe.mask import Masker, pseudonym
from ragworks.observe.model import Score, Trace

log = structlog.get_logger(__name__)


class TraceExporter(Protocol):
    """Sends finished traces somewhere. Runs on a background thread; may block or raise."""

    name: str

    def export(self, trace: Trace) -> None: ...

    def flush(self, timeout_s: float) -> None: ...

    def shutdown(self) -> None: ...


@dataclass
class ExportStats:
    exported: int = 0
    failed: int = 0
    dropped: int = 0
    queued: int = 0


#: fields that are generated identifiers or timestamps, never personal: left as they are
_KEEP = frozenset({"id", "trace_id", "parent_id", "observation_id", "start", "end",
                   "created_at", "completion_start", "query_vector", "observations",
                   "scores"})
#: identifiers a caller chooses (they may be an email address): replaced by a pseudonym
_PSEUDONYMOUS = frozenset({"user_id", "session_id"})


def _mask_fields(obj: Any, mask: Masker) -> Any:
    """A copy of a trace, observation or score with every other string field (and every
    string inside lists and dicts) masked."""
    out = copy.copy(obj)
    for f in fields(obj):
        if f.name in _KEEP:
            continue
        value = getattr(obj, f.name)
        if f.name in _PSEUDONYMOUS:
            setattr(out, f.name, pseudonym(value))
        elif isinstance(value, str | list | tuple | dict):
            setattr(out, f.name, mask.deep(value))
    return out


def masked_score(score: Score, mask: Masker) -> Score:
    """A copy of a score fit to leave the process (its comment masked)."""
    return _mask_fields(score, mask)


def masked(trace: Trace, mask: Masker) -> Trace:
    """A copy of the trace fit to leave the process: inputs, outputs, metadata, names,
    tags, status messages and comments masked; user and session ids pseudonymised."""
    out = _mask_fields(trace, mask)
    out.observations = [_mask_fields(o, mask) for o in trace.observations]
    out.scores = [_mask_fields(s, mask) for s in trace.scores]
    return out


class BackgroundExport:
    def __init__(self, exporter: TraceExporter, mask: Masker, maxsize: int = 1000) -> None:
        self.exporter = exporter
        self.mask = mask
        self.stats = ExportStats()
        self._queue: queue.Queue[Trace | None] = queue.Queue(maxsize=maxsize)
        self._last_error_log = 0.0
        self._thread = threading.Thread(target=self._run, name=f"export-{exporter.name}",
                                        daemon=True)
        self._thread.start()

    @property
    def name(self) -> str:
        return self.exporter.name

    def submit(self, trace: Trace) -> bool:
        try:
            self._queue.put_nowait(trace)
            return True
        except queue.Full:
            self.stats.dropped += 1
            self._warn("export_dropped", reason="queue full")
            return False

    def depth(self) -> int:
        return self._queue.qsize()

    def _warn(self, event: str, **fields: object) -> None:
        now = time.monotonic()
        if now - self._last_error_log > 10:  # at most one line per 10 s per exporter
            self._last_error_log = now
            log.warning(event, exporter=self.name, dropped=self.stats.dropped,
                        failed=self.stats.failed, **fields)

    def _run(self) -> None:
        while True:
            trace = self._queue.get()
            try:
                if trace is None:
                    return
                self.exporter.export(masked(trace, self.mask))
                self.stats.exported += 1
            except Exception as exc:  # noqa: BLE001 - telemetry never breaks anything
                self.stats.failed += 1
                self._warn("export_failed", error=f"{type(exc).__name__}: {exc}"[:300])
            finally:
                self._queue.task_done()

    def flush(self, timeout_s: float) -> bool:
        """Wait until the queue is drained (at most timeout_s), then flush the exporter."""
        deadline = time.monotonic() + timeout_s
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        drained = not self._queue.unfinished_tasks
        remaining = max(0.1, deadline - time.monotonic())
        try:
            self.exporter.flush(remaining)
        except Exception as exc:  # noqa: BLE001
            self._warn("export_flush_failed", error=str(exc)[:300])
        return drained

    def shutdown(self, timeout_s: float = 5.0) -> None:
        self.flush(timeout_s)
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        self._thread.join(timeout_s)
        try:
            self.exporter.shutdown()
        except Exception:  # noqa: BLE001, S110
            pass
