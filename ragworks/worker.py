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
from typing import Any

import structlog

from ragworks.errors import RagworksError
from ragworks.evaluate.judge import LLMJudge
from ragworks.jobs.queue import JobQueue, Message
from ragworks.services import Services
from ragworks.usecases.evaluating import run_eval
from ragworks.usecases.ingesting import ingest_file
from ragworks.usecases.upkeep import prune_traces

log = structlog.get_logger(__name__)


class Worker:
    def __init__(self, svc: Services, queue: JobQueue) -> None:
        self.svc, self.queue = svc, queue
        self.done = self.failed = 0

    def handle(self, job: dict[str, Any]) -> dict[str, Any]:
        kind = job.get("kind")
        if kind == "ingest":
            try:
                data = self.svc.blobs.get(job["blob"])
            except KeyError:
                # the same file queued twice: the other job ingested it and removed the
                # upload; if the document is not there, the upload is really gone
                done = self.svc.records.get_document(job["tenant"], job.get("document_id", ""))
                if done is None:
                    raise
                return {"document_id": done.id, "status": "unchanged"}
            result = ingest_file(self.svc, data, job["filename"], job["tenant"],
                                 job.get("collection", "default"))
            self.svc.blobs.delete(job["blob"])
            return {"document_id": result.document.id, "status": result.status,
                    "chunks": result.document.chunk_count}
        if kind == "eval_run":
            name, _, version = str(job["dataset"]).partition("@")
            items = self.svc.datasets.get(job["tenant"], name, int(version) if version else None)
            judge = LLMJudge(self.svc.chat(job["judge"])) if job.get("judge") \
                else None
            status = self.svc.job_status
            answered = 0

            def tick() -> None:
                nonlocal answered
                answered += 1
                if job.get("job_id"):
                    status.update(job["tenant"], job["job_id"], done=answered)

            run = run_eval(self.svc, items, job["dataset"], job["tenant"],
                           job.get("overrides") or {}, tick, judge=judge)
            self.svc.runs.save(run)
            return {"run_id": run["id"]}
        if kind == "alerts":
            return {"evaluated": self.svc.alerts.evaluate_all()}
        if kind == "retention":
            return {"removed": prune_traces(self.svc)}
        raise ValueError(f"unknown job kind {kind!r}")

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
