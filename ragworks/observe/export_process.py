"""Exporters in their own process, fed by a bounded queue, watched by the server.

Export work (masking, building spans, encoding, HTTP) is CPU work in Python; in
threads it competes with requests for the interpreter lock and, on 2 cores,
doubled the p50 of the query path. In a child process it runs on the other core.
The request path only pickles the finished trace into a bounded queue: when the
queue is full the trace is dropped and counted, never waited for. The child runs
at nice 10, so requests win the CPU whenever both want it; under sustained full
load exports lag (and, past the queue, drop) and catch up in pauses.

Liveness both ways, under every start method (fork, spawn, forkserver):

- the child watches the server through a pipe whose only writer the server holds:
  when the server dies (kill -9 included) the pipe reads end-of-file and the child
  exits. Comparing ``os.getppid()`` with the server's pid, as before, is wrong under
  forkserver and spawn-from-a-forkserver, where the parent is the fork server: the
  child then exited the first time it waited with nothing to do, and a running server
  exported only its first trace;
- the server watches the child with a supervisor thread: a child that dies is
  restarted (at once, then with a back-off if it keeps dying), said in a log line,
  counted in ``restarts`` and its unsent traces in ``lost``.

    hub = ExportProcess([("otlp", {"endpoint": url})], maxsize=1000)
    hub.submit(trace); hub.flush(5); hub.shutdown()
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

import structlog

from ragworks.observe.model import Score, Trace

log = structlog.get_logger(__name__)
#: per exporter: exported, failed, dropped (inside the child), queue depth
_FIELDS = ("exported", "failed", "dropped", "queue_depth")
#: the export child's niceness: low, but never idle-class
EXPORT_NICE = 10
#: a child that lived shorter than this before dying makes the next restart wait longer
_STABLE_S = 10.0


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
    if pid is None:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, EXPORT_NICE if idle else 0)
    except (AttributeError, OSError, ProcessLookupError):
        pass


def _background_priority() -> None:
    """Run at a low but normal priority (nice 10).

    On 2 cores a normal-priority exporter slices into the query path's parallel
    numpy/onnxruntime work and stretched its p99 by half. The idle class (SCHED_IDLE)
    avoided that, but an idle-class process gets no CPU at all while other processes
    keep the cores busy: on a saturated machine nothing was exported and traces were
    dropped. Nice 10 still yields most of the CPU to the request path (about a tenth
    of a nice-0 process's share) and is never starved outright.
    """
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


def _server_gone(alive: Any) -> bool:
    """True once the server's end of the liveness pipe is closed (it never writes)."""
    try:
        return bool(alive.poll(0))
    except (EOFError, OSError):
        return True


def _close_inherited(writer: int | None) -> None:
    """Under fork the child holds a copy of the server's end of the liveness pipe: closed
    here, or the pipe would never read end-of-file."""
    if writer is not None:
        try:
            os.close(writer)
        except OSError:
            pass


def _child(specs: Sequence[tuple[str, dict[str, Any]]], inbox: Any, counters: Any,
           flushed: Any, maxsize: int, mask_patterns: Sequence[str], alive: Any,
           inherited_writer: int | None) -> None:
    from ragworks.observe.export import BackgroundExport
    from ragworks.observe.mask import Masker

    _close_inherited(inherited_writer)
    _background_priority()
    mask = Masker(patterns=mask_patterns)
    workers = [BackgroundExport(build_exporter(kind, options), mask, maxsize)
               for kind, options in specs]

    def publish() -> None:
        for i, w in enumerate(workers):
            base = i * len(_FIELDS)
            counters[base:base + len(_FIELDS)] = [w.stats.exported, w.stats.failed,
                                                  w.stats.dropped, w.depth()]

    while True:
        try:
            item = inbox.get(timeout=0.5)
        except queue.Empty:
            publish()
            if _server_gone(alive):
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
    """The export child and its supervisor. ``method`` is a multiprocessing start method
    (forkserver by default: the server has threads, and fork copies their locks)."""

    def __init__(self, specs: Sequence[tuple[str, dict[str, Any]]], maxsize: int = 1000,
                 mask_patterns: Sequence[str] = (), method: str = "forkserver") -> None:
        self.names = [kind for kind, _ in specs]
        self.maxsize = maxsize
        self.dropped = 0
        #: children restarted after dying, and the traces they took with them
        self.restarts = 0
        self.lost = 0
        self._specs, self._masks, self._method = list(specs), list(mask_patterns), method
        self._ctx: Any = mp.get_context(method)
        self._counters = self._ctx.Array("q", len(specs) * len(_FIELDS), lock=False)
        self._carried = [0] * len(self._counters)  # counts of children that died
        self._flushed = self._ctx.Value("q", 0, lock=False)
        self._token = 0
        self._last_warning = 0.0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._alive_r, self._alive_w = self._ctx.Pipe(duplex=False)
        self._start_child()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True,
                                            name="ragworks-export-supervisor")
        self._supervisor.start()

    def _start_child(self) -> None:
        self._inbox: Any = self._ctx.Queue(self.maxsize)
        writer = self._alive_w.fileno() if self._method == "fork" else None
        self._proc = self._ctx.Process(
            target=_child, name="ragworks-export", daemon=True,
            args=(self._specs, self._inbox, self._counters, self._flushed, self.maxsize,
                  self._masks, self._alive_r, writer))
        self._proc.start()
        self._started = time.monotonic()

    def _supervise(self) -> None:
        quick_deaths = 0
        while not self._stopping.is_set():
            proc = self._proc
            mpc.wait([proc.sentinel], timeout=1.0)
            if proc.is_alive() or self._stopping.is_set():
                continue
            with self._lock:
                if self._stopping.is_set():
                    return
                lost = self._inbox_depth() + sum(
                    self._counters[i * len(_FIELDS) + 3] for i in range(len(self.names)))
                self.lost += lost
                # what the dead child had counted stays counted
                for i in range(len(self._counters)):
                    if i % len(_FIELDS) != 3:
                        self._carried[i] += self._counters[i]
                    self._counters[i] = 0
                quick_deaths = quick_deaths + 1 if (
                    time.monotonic() - self._started < _STABLE_S) else 0
                log.error("export_child_died", exitcode=proc.exitcode, lost=lost,
                          restarts=self.restarts + 1)
                old = self._inbox
                if quick_deaths > 1:  # it keeps dying: wait before the next try
                    self._stopping.wait(min(30.0, 2.0 ** (quick_deaths - 1)))
                    if self._stopping.is_set():
                        return
                self._start_child()
                self.restarts += 1
                old.close()
                old.cancel_join_thread()
            log.warning("export_child_restarted", pid=self._proc.pid, restarts=self.restarts)

    def _inbox_depth(self) -> int:
        try:
            return int(self._inbox.qsize())
        except (NotImplementedError, OSError):
            return 0

    def alive(self) -> bool:
        return self._proc.is_alive()

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
        except (ValueError, OSError):  # the queue of a child being replaced was closed
            self.lost += 1
            return False

    def submit_scores(self, scores: list[Score]) -> bool:
        """Scores added to an already exported trace (user feedback, evaluations)."""
        try:
            self._inbox.put_nowait(("scores", scores))
            return True
        except (queue.Full, ValueError, OSError):
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
        pid = self._proc.pid
        _set_policy(pid, idle=False)
        try:
            try:
                self._inbox.put(("flush", self._token, max(0.1, timeout_s - 0.2)),
                                timeout=timeout_s)
            except (queue.Full, ValueError, OSError):
                return False
            while time.monotonic() < deadline:
                if self._flushed.value == self._token:
                    return True
                time.sleep(0.01)
            return False
        finally:
            _set_policy(pid, idle=True)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Flush and stop within ``timeout_s`` in all (a hanging backend included): what is
        not sent by then is dropped, so a container's stop grace period is never passed."""
        self._stopping.set()
        with self._lock:
            if self._proc.is_alive():
                deadline = time.monotonic() + timeout_s
                self.flush(max(0.1, timeout_s * 0.6))
                try:
                    self._inbox.put(None, timeout=max(0.05, min(1.0,
                                                                deadline - time.monotonic())))
                except (queue.Full, ValueError, OSError):
                    pass
                self._proc.join(max(0.05, deadline - time.monotonic()))
                if self._proc.is_alive():
                    self._proc.kill()
                    self._proc.join(1)
            self._alive_w.close()
        self._supervisor.join(2)

    def status(self) -> str:
        """For ``/readyz``: "ok", or what happened to the export child. Telemetry never
        takes a server out of service, so every answer starts with "ok"."""
        if self._stopping.is_set():
            return "ok; stopped"
        state = "running" if self._proc.is_alive() else "down, restarting"
        if not self.restarts and state == "running":
            return "ok"
        return f"ok; export child {state}, restarted {self.restarts}x, {self.lost} traces lost"

    def stats(self) -> dict[str, dict[str, int]]:
        out = {}
        waiting = self._inbox_depth()
        for i, name in enumerate(self.names):
            base = i * len(_FIELDS)
            now = self._counters[base:base + len(_FIELDS)]
            values = {f: now[j] + self._carried[base + j] for j, f in enumerate(_FIELDS)}
            values["dropped"] += self.dropped
            values["queue_depth"] += waiting
            values["restarts"] = self.restarts
            values["lost"] = self.lost
            out[name] = values
        return out
