"""Workers drain the job queue: threads inside the server, or ``ragworks worker``.

    worker = Worker(services, queue)
    worker.run(stop)            # until stop is set
    worker.run_once()           # one batch (tests, cron)

A job is acknowledged only after its handler returns, so a worker killed mid-job
leaves the message to reappear after the visibility timeout and another worker
does it again: handlers are idempotent (ingestion ids are content hashes; an
evaluation run or an alert pass repeated is harmless). A job failing on bad input
(a corrupt file) is acknowledged and logged, since retrying cannot help; any
other failure is retried, and after the queue's maximum receives the message
goes to the dead-letter queue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog

from ragworks.errors import RagworksError
from ragworks.jobs.queue import JobQueue, Message
from ragworks.services import Services
from ragworks.usecases.evaluating import run_eval_job
from ragworks.usecases.ingesting import ingest_queued
from ragworks.usecases.syncing import sync_job
from ragworks.usecases.upkeep import prune_traces

log = structlog.get_logger(__name__)


#: what each kind of job is: the use case that does it, and what it returns
HANDLERS: dict[str, Callable[[Services, dict[str, Any]], dict[str, Any]]] = {
    "ingest": ingest_queued,
    "eval_run": run_eval_job,
    "alerts": lambda svc, job: {"evaluated": svc.alerts.evaluate_all()},
    "retention": lambda svc, job: {"removed": prune_traces(svc)},
    "sync": sync_job,
}


class Worker:
    def __init__(self, svc: Services, queue: JobQueue) -> None:
        self.svc, self.queue = svc, queue
        self.done = self.failed = 0

    def handle(self, job: dict[str, Any]) -> dict[str, Any]:
        handler = HANDLERS.get(str(job.get("kind")))
        if handler is None:
            raise ValueError(f"unknown job kind {job.get('kind')!r}")
        return handler(self.svc, job)

    def _status(self, job: dict[str, Any], **fields: Any) -> None:
        """Keep the job's status record current (jobs queued before records had none)."""
        if job.get("job_id"):
            self.svc.job_status.update(job["tenant"], job["job_id"], updated_at=time.time(),
                                       **fields)

    def process(self, message: Message) -> None:
        started = time.perf_counter()
        job = message.job
        self._status(job, status="running", attempt=message.receives)
        try:
            result = self.handle(job)
        except RagworksError as exc:  # bad input: retrying cannot help
            self.failed += 1
            log.warning("job_rejected", kind=job.get("kind"), id=message.id, error=exc.message)
            self._status(job, status="failed", error=f"{type(exc).__name__}: {exc.message}")
            self.queue.ack(message)
            return
        except Exception as exc:
            self.failed += 1
            log.exception("job_failed", kind=job.get("kind"), id=message.id,
                          receives=message.receives)
            # not acknowledged: retried, then dead-lettered
            self._status(job, status="retrying", error=f"{type(exc).__name__}: {exc}")
            return
        self._status(job, status="done", error=None, result=result,
                     **{k: v for k, v in result.items() if k != "status"})
        self.queue.ack(message)
        self.done += 1
        log.info("job_done", kind=message.job.get("kind"), id=message.id,
                 ms=round((time.perf_counter() - started) * 1000, 1), **result)

    def run_once(self, wait_s: float = 1.0, max_messages: int = 5) -> int:
        messages = self.queue.receive(max_messages, wait_s)
        for m in messages:
            self.process(m)
        return len(messages)

    def run(self, stop: threading.Event, max_jobs: int | None = None,
            max_messages: int = 5) -> None:
        while not stop.is_set():
            try:
                self.run_once(max_messages=max_messages)
            except Exception:  # noqa: BLE001 - the queue itself failed: wait, try again
                log.exception("job_queue_failed")
                stop.wait(5)
            if max_jobs is not None and self.done + self.failed >= max_jobs:
                return
