"""Work that runs in the background, on one job system whatever the deployment.

    job = submit(svc, "acme", "eval_run", {"dataset": "golden@2", ...}, total=40)
    follow(svc, "acme", job["id"])   # {"status": "running", "done": 12, "total": 40, ...}

A job is a status record (``svc.job_status``) plus a message on the queue (``svc.jobs``:
SQLite locally, SQS on AWS). Workers (``ragworks.worker``: threads inside the server,
``RAGWORKS_WORKER_THREADS``, or ``ragworks worker`` processes) take messages and keep the
record current: queued -> running (with ``done`` of ``total``) -> done (with its result,
e.g. ``run_id``) or failed (with the error).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from ragworks.errors import NotFound
from ragworks.services import Services

KINDS = ("ingest", "eval_run", "alerts", "retention", "sync")


def submit(svc: Services, tenant: str, kind: str, payload: dict[str, Any],
           total: int = 1, public: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record the job as queued, then queue it; the record is returned. ``public`` is shown
    on the record (e.g. the dataset of an evaluation), the payload only travels."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job: dict[str, Any] = {"id": "job_" + secrets.token_hex(8), "tenant": tenant,
                           "kind": kind, "status": "queued", "done": 0, "total": total,
                           "error": None, "submitted_at": time.time(), **(public or {})}
    svc.job_status.create(job)
    svc.jobs.send({**payload, "kind": kind, "tenant": tenant, "job_id": job["id"]})
    return job


def follow(svc: Services, tenant: str, job_id: str, kind: str | None = None) -> dict[str, Any]:
    job = svc.job_status.get(tenant, job_id)
    if job is None or (kind is not None and job["kind"] != kind):
        raise NotFound(f"no job {job_id!r}")
    return job


def listing(svc: Services, tenant: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [j for j in svc.job_status.all(tenant) if kind is None or j["kind"] == kind]
