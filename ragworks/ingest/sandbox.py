"""Run untrusted parsers in worker processes with a time and memory limit.

One bad file (a PDF bomb, a parser bug that loops) costs one killed worker,
never a hung or crashed service. Workers are reused between files (a fresh
process per file cost ~20 ms, a fifth of ingestion time on small files) and a
worker that timed out, crashed or hit its memory limit is replaced.

At most ``limit_workers(n)`` files of one tenant are parsed at once, with one slot
more for the other tenants (`FairSlots`: one tenant's heavy files never queue another's
small one); uploads beyond that wait (eight
uploads at once wait for a worker instead of starting eight). The time limit
counts the parse only: a worker says it is ready before a file is sent to it,
so a slow start on a busy machine never costs a file; a file whose worker timed
out or died is tried once more on a fresh worker before it fails loudly.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import resource
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection

from ragworks import errors
from ragworks.ingest.loaders import parse
from ragworks.models import ParsedDocument

_CTX = mp.get_context("forkserver")
_CTX.set_forkserver_preload(["ragworks.ingest.loaders", "pypdf", "docx", "selectolax.lexbor"])
WORKERS = 3  # two for one tenant, one more for the others


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


class FairSlots:
    """Parse slots shared by tenants. One tenant holds at most ``per_tenant`` at once, and
    there is one slot more than that: a tenant's heavy files never queue another
    tenant's small one. A free slot goes to the waiting tenant that holds fewest, then in
    order of arrival.

        slots = FairSlots(per_tenant=2)
        with slots.held("acme"):
            ...
    """

    def __init__(self, per_tenant: int) -> None:
        self.per_tenant = max(1, per_tenant)
        self.size = self.per_tenant + 1
        self._cond = threading.Condition()
        self._held: dict[str, int] = {}
        self._waiting: list[tuple[int, str]] = []
        self._seq = 0

    def _turn(self, ticket: tuple[int, str]) -> bool:
        if sum(self._held.values()) >= self.size:
            return False
        eligible = [t for t in self._waiting if self._held.get(t[1], 0) < self.per_tenant]
        if not eligible:
            return False
        best = min(eligible, key=lambda t: (self._held.get(t[1], 0), t[0]))
        return best == ticket

    def acquire(self, tenant: str) -> None:
        with self._cond:
            self._seq += 1
            ticket = (self._seq, tenant)
            self._waiting.append(ticket)
            try:
                self._cond.wait_for(lambda: self._turn(ticket))
            finally:
                self._waiting.remove(ticket)
            self._held[tenant] = self._held.get(tenant, 0) + 1
            self._cond.notify_all()

    def release(self, tenant: str) -> None:
        with self._cond:
            self._held[tenant] -= 1
            if not self._held[tenant]:
                del self._held[tenant]
            self._cond.notify_all()

    @contextlib.contextmanager
    def held(self, tenant: str) -> Iterator[None]:
        self.acquire(tenant)
        try:
            yield
        finally:
            self.release(tenant)


_slots = FairSlots(WORKERS)


def limit_workers(n: int) -> None:
    """At most ``n`` files of one tenant parsed at once in this process, and one more of
    other tenants (RAGWORKS_PARSE_WORKERS)."""
    global _slots, WORKERS
    n = max(1, n)
    if n != _slots.per_tenant:
        _slots, WORKERS = FairSlots(n), n + 1


def parse_isolated(
    data: bytes, filename: str, media_type: str, timeout_s: float, mem_mb: int,
    tenant: str = "",
) -> ParsedDocument:
    """Parse in a worker process; raises ParseTimeout when the parse itself takes longer
    than timeout_s twice (on two workers), BadInput when the parser dies twice."""
    with _slots.held(tenant):
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
