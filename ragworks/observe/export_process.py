"""Exporters in their own process, fed by a bounded queue.

Export work (masking, building spans, encoding, HTTP) is CPU work in Python; in
threads it competes with requests for the interpreter lock and, on 2 cores,
doubled the p50 of the query path. In a child process it runs on the other core.
The request path only pickles the finished trace into a bounded queue: when the
queue is full the trace is dropped and counted, never waited for. The child runs
in the idle scheduling class, so requests win the CPU whenever both want it; under
sustained full load exports lag (and, past the queue, drop) and catch up in pauses.

    hub = ExportProcess([("otlp", {"endpoint": url})], maxsize=1000)
    hub.submit(trace); hub.flush(5); hub.shutdown()
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time
from collections.abc import Sequence
from typing import Any

import structlog

from ragworks.observe.model import Score, Trace

log = structlog.get_logger(__name__)
_CTX = mp.get_context("forkserver")
#: per exporter: exported, failed, dropped (inside the child), queue depth
_FIELDS = ("exported", "failed", "dropped", "queue_depth")


def build_exporter(kind: str, options: dict[str, Any]) -> Any:
    if kind == "langfuse":
        from ragworks.observe.langfuse_export import LangfuseExporter

        return LangfuseExporter(**options)
    if kind == "otlp":
        from ragworks.observe.otlp import OTLPExporter

        return OTLPExporter(**options)
    raise ValueError(f"unknown exporter {kind!r}")


def _set_policy(pid: int | None, idle: bool) -> None:
    """Raise the export child to normal priority while someone waits for a flush, and
    lower it back to nice 10 after (raising needs CAP_SYS_NICE: without it, it stays)."""
    import os

    if pid is None:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, EXPORT_NICE if idle else 0)
    except (AttributeError, OSError, ProcessLookupError):
        pass


#: the export child's niceness: low, but never idle-class
EXPORT_NICE = 10


def _background_priority() -> None:
    """Run at a low but normal priority (nice 10).

    On 2 cores a normal-priority exporter slices into the query path's parallel
    numpy/onnxruntime work and stretched its p99 by half. The idle class (SCHED_IDLE)
    avoided that, but an idle-class process gets no CPU at all while other processes
    keep the cores busy: on a saturated machine nothing was exported and traces were
    dropped. Nice 10 still yields most of the CPU to the request path (about a tenth
    of a nice-0 process's share) and is never starved outright.
    """
    import os

    try:
        os.nice(EXPORT_NICE - os.nice(0))
    except OSError:
        pass


def _send_scores(workers: Sequence[Any], scores: list[Score]) -> None:
    """Late scores go to exporters that know scores (Langfuse); OTLP has no such thing.
    Their comments are masked like everything else that leaves."""
    from ragworks.observe.export import masked_score

    for w in workers:
        export_scores = getattr(w.exporter, "export_scores", None)
        if export_scores is None:
            continue
        try:
            export_scores([masked_score(s, w.mask) for s in scores])
        except Exception as exc:  # noqa: BLE001 - telemetry never breaks anything
            w.stats.failed += 1
            log.warning("score_export_failed", exporter=w.name, error=str(exc))


def _child(specs: Sequence[tuple[str, dict[str, Any]]], inbox: Any, counters: Any,
           flushed: Any, maxsize: int, mask_patterns: Sequence[str],
           parent: int | None = None) -> None:
    from ragworks.observe.export import BackgroundExport
    from ragworks.observe.mask import Masker

    _background_priority()
    mask = Masker(patterns=mask_patterns)
    workers = [BackgroundExport(build_exporter(kind, options), mask, maxsize)
               for kind, options in specs]

    def publish() -> None:
        for i, w in enumerate(workers):
            base = i * len(_FIELDS)
            counters[base:base + len(_FIELDS)] = [w.stats.exported, w.stats.failed,
                                                  w.stats.dropped, w.depth()]

    import os

    while True:
        try:
            item = inbox.get(timeout=0.5)
        except queue.Empty:
            publish()
            if parent is not None and os.getppid() != parent:
                return  # the server died (kill -9): nobody is left to export for
            continue
        if item is None:
            for w in workers:
                w.shutdown(2.0)
            publish()
            return
        if isinstance(item, tuple) and item[0] == "flush":
            _, token, timeout_s = item
            for w in workers:
                w.flush(timeout_s)
            publish()
            flushed.value = token
            continue
        if isinstance(item, tuple) and item[0] == "scores":
            _send_scores(workers, item[1])
            continue
        for w in workers:
            w.submit(item)
        publish()


class ExportProcess:
    def __init__(self, specs: Sequence[tuple[str, dict[str, Any]]], maxsize: int = 1000,
                 mask_patterns: Sequence[str] = ()) -> None:
        self.names = [kind for kind, _ in specs]
        self.maxsize = maxsize
        self.dropped = 0
        self._inbox = _CTX.Queue(maxsize)
        self._counters = _CTX.Array("q", len(specs) * len(_FIELDS), lock=False)
        self._flushed = _CTX.Value("q", 0, lock=False)
        self._token = 0
        self._proc = _CTX.Process(target=_child, name="ragworks-export", daemon=True,
                                  args=(list(specs), self._inbox, self._counters,
                                        self._flushed, maxsize, list(mask_patterns),
                                        os.getpid()))
        self._proc.start()
        self._last_warning = 0.0

    def submit(self, trace: Trace) -> bool:
        try:
            self._inbox.put_nowait(trace)
            return True
        except queue.Full:
            self.dropped += 1
            now = time.monotonic()
            if now - self._last_warning > 10:
                self._last_warning = now
                log.warning("export_dropped", reason="queue full", dropped=self.dropped)
            return False

    def submit_scores(self, scores: list[Score]) -> bool:
        """Scores added to an already exported trace (user feedback, evaluations)."""
        try:
            self._inbox.put_nowait(("scores", scores))
            return True
        except queue.Full:
            self.dropped += 1
            return False

    def flush(self, timeout_s: float) -> bool:
        """Wait (at most timeout_s) until everything submitted so far has been sent.

        The exporter runs at normal priority meanwhile: an idle-class process gets no
        CPU at all on a busy machine, and whoever flushes is waiting for it.
        """
        if not self._proc.is_alive():
            return False
        self._token += 1
        deadline = time.monotonic() + timeout_s
        _set_policy(self._proc.pid, idle=False)
        try:
            try:
                self._inbox.put(("flush", self._token, max(0.1, timeout_s - 0.2)),
                                timeout=timeout_s)
            except queue.Full:
                return False
            while time.monotonic() < deadline:
                if self._flushed.value == self._token:
                    return True
                time.sleep(0.01)
            return False
        finally:
            _set_policy(self._proc.pid, idle=True)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Flush and stop within ``timeout_s`` in all (a hanging backend included): what is
        not sent by then is dropped, so a container's stop grace period is never passed."""
        if not self._proc.is_alive():
            return
        deadline = time.monotonic() + timeout_s
        self.flush(max(0.1, timeout_s * 0.6))
        try:
            self._inbox.put(None, timeout=max(0.05, min(1.0, deadline - time.monotonic())))
        except queue.Full:
            pass
        self._proc.join(max(0.05, deadline - time.monotonic()))
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(1)

    def stats(self) -> dict[str, dict[str, int]]:
        out = {}
        waiting = self._inbox.qsize() if hasattr(self._inbox, "qsize") else 0
        for i, name in enumerate(self.names):
            base = i * len(_FIELDS)
            values = dict(zip(_FIELDS, self._counters[base:base + len(_FIELDS)], strict=True))
            values["dropped"] += self.dropped
            values["queue_depth"] += waiting
            out[name] = values
        return out
