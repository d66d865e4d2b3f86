"""Evaluation runs started over HTTP: queued, run one at a time in the background.

    job = jobs.submit(tenant, items, "golden@2", overrides, judge=None)
    jobs.get(tenant, job["id"])  # {"status": "running", "done": 40, "total": 127, ...}

A run answers every item through the pipeline, so two at once would only halve
each other's speed and disturb live traffic more; they queue instead.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog

from ragworks.errors import NotFound
from ragworks.evaluate.judge import LLMJudge
from ragworks.evaluate.retrieval import Item
from ragworks.evaluate.runs import run_eval

log = structlog.get_logger(__name__)


class EvalJobs:
    def __init__(self, svc: Any, keep: int = 200) -> None:
        self.svc, self.keep = svc, keep
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eval-run")
        self._jobs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def submit(self, tenant: str, items: Sequence[Item], dataset: str,
               overrides: dict[str, Any], judge: LLMJudge | None = None) -> dict[str, Any]:
        job: dict[str, Any] = {
               "id": "job_" + secrets.token_hex(6), "tenant": tenant, "dataset": dataset,
               "overrides": overrides, "status": "queued", "done": 0, "total": len(items),
               "run_id": None, "error": None, "submitted_at": time.time()}
        with self._lock:
            self._jobs[job["id"]] = job
            for old in sorted(self._jobs.values(), key=lambda j: j["submitted_at"])[
                    : max(0, len(self._jobs) - self.keep)]:
                if old["status"] in ("done", "failed"):
                    del self._jobs[old["id"]]
        self._pool.submit(self._run, job, list(items), judge)
        return dict(job)

    def _run(self, job: dict[str, Any], items: list[Item], judge: LLMJudge | None) -> None:
        job["status"] = "running"

        def tick() -> None:
            job["done"] += 1

        try:
            run = run_eval(self.svc, items, job["dataset"], job["tenant"], job["overrides"],
                           tick, judge=judge)
            self.svc.runs.save(run)
            job.update(status="done", run_id=run["id"])
            log.info("eval_run_done", run_id=run["id"], dataset=job["dataset"])
        except Exception as exc:  # the job reports it; the server goes on
            job.update(status="failed", error=f"{type(exc).__name__}: {exc}")
            log.exception("eval_run_failed", job_id=job["id"])

    def get(self, tenant: str, job_id: str) -> dict[str, Any]:
        job = self._jobs.get(job_id)
        if job is None or job["tenant"] != tenant:
            raise NotFound(f"no evaluation job {job_id!r}")
        return dict(job)

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [dict(j) for j in sorted(self._jobs.values(), key=lambda j: -j["submitted_at"])
                if j["tenant"] == tenant]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
