"""Run untrusted parsers in worker processes with a time and memory limit.

One bad file (a PDF bomb, a parser bug that loops) costs one killed worker,
never a hung or crashed service. Workers are reused between files (a fresh
process per file cost ~20 ms, a fifth of ingestion time on small files) and a
worker that timed out, crashed or hit its memory limit is replaced.

At most ``limit_workers(n)`` files are parsed at once in the whole process (eight
uploads at once wait for a worker instead of starting eight). The time limit
counts the parse only: a worker says it is ready before a file is sent to it,
so a slow start on a busy machine never costs a file; a file whose worker timed
out or died is tried once more on a fresh worker before it fails loudly.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import resource
import threading
from multiprocessing.connection import Connection

from ragworks import errors
from ragworks.ingest.loaders import parse
from ragworks.models import ParsedDocument

_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(["ragworks.ingest.loaders", "pypdf", "docx", "selectolax.lexbor"])
WORKERS = 2


def _serve(conn: Connection, mem_mb: int) -> None:
    """Worker loop: parse each (data, filename, media_type) received, send the outcome."""
    if mem_mb > 0:
        limit = mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready",))
    while True:
        try:
            data, filename, media_type = conn.recv()
        except EOFError:
            return
        try:
            msg: tuple = ("ok", parse(data, filename, media_type))
        except errors.RagworksError as exc:
            msg = ("err", type(exc).__name__, exc.message)
        except MemoryError:
            msg = ("err", "BadInput", f"{filename}: parsing exceeded the memory limit")
        except Exception as exc:  # noqa: BLE001 - a parser bug must become a clear 422
            msg = ("err", "BadInput", f"{filename}: could not be parsed ({type(exc).__name__})")
        try:
            conn.send(msg)
        except MemoryError:
            return  # the result itself does not fit: the parent sees the worker die


class _Worker:
    def __init__(self, mem_mb: int) -> None:
        self.mem_mb = mem_mb
        self.conn, child = _CTX.Pipe()
        self.proc = _CTX.Process(target=_serve, args=(child, mem_mb), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout_s: float) -> bool:
        """True once the worker has started (it says so before its first file)."""
        if not self.ready:
            try:
                self.ready = self.conn.poll(timeout_s) and self.conn.recv() == ("ready",)
            except (EOFError, OSError):
                self.ready = False
        return self.ready

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


_idle: dict[int, queue.SimpleQueue[_Worker]] = {}
_idle_lock = threading.Lock()


def _take(mem_mb: int) -> _Worker:
    with _idle_lock:
        idle = _idle.setdefault(mem_mb, queue.SimpleQueue())
    try:
        worker = idle.get_nowait()
        if worker.proc.is_alive():
            return worker
        worker.kill()
    except queue.Empty:
        pass
    return _Worker(mem_mb)


def _give_back(worker: _Worker) -> None:
    with _idle_lock:
        idle = _idle.setdefault(worker.mem_mb, queue.SimpleQueue())
    if idle.qsize() < WORKERS:
        idle.put(worker)
    else:
        worker.kill()


#: how long a worker may take to start on a busy machine (not counted as parsing)
START_TIMEOUT_S = 120.0
_slots = threading.BoundedSemaphore(WORKERS)
_slots_size = WORKERS


def limit_workers(n: int) -> None:
    """At most ``n`` files parsed at once in this process (the RAGWORKS_PARSE_WORKERS)."""
    global _slots, _slots_size, WORKERS
    n = max(1, n)
    if n != _slots_size:
        _slots, _slots_size, WORKERS = threading.BoundedSemaphore(n), n, n


def parse_isolated(
    data: bytes, filename: str, media_type: str, timeout_s: float, mem_mb: int
) -> ParsedDocument:
    """Parse in a worker process; raises ParseTimeout when the parse itself takes longer
    than timeout_s twice (on two workers), BadInput when the parser dies twice."""
    with _slots:
        try:
            msg = _attempt(data, filename, media_type, timeout_s, mem_mb)
        except (errors.ParseTimeout, _WorkerDied):
            msg = None
        if msg is None:  # once more, on a fresh worker
            try:
                msg = _attempt(data, filename, media_type, timeout_s, mem_mb, fresh=True)
            except _WorkerDied:
                raise errors.BadInput(f"{filename}: the parser died (memory limit {mem_mb} "
                                      "MB exceeded?)") from None
    if msg[0] == "ok":
        return msg[1]
    exc_type = getattr(errors, msg[1], errors.BadInput)
    raise exc_type(msg[2])


class _WorkerDied(Exception):
    pass


def _attempt(data: bytes, filename: str, media_type: str, timeout_s: float, mem_mb: int,
             fresh: bool = False) -> tuple:
    worker = _Worker(mem_mb) if fresh else _take(mem_mb)
    if not worker.wait_ready(START_TIMEOUT_S):
        worker.kill()
        raise _WorkerDied
    try:
        worker.conn.send((data, filename, media_type))
        if not worker.conn.poll(timeout_s):
            worker.kill()
            raise errors.ParseTimeout(
                f"{filename}: parsing took longer than {timeout_s:g} s (twice) and was stopped")
        msg = worker.conn.recv()
    except (EOFError, BrokenPipeError, ConnectionResetError):
        worker.kill()
        raise _WorkerDied from None
    _give_back(worker)
    return msg
