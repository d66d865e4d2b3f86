"""/api/v1/jobs: background work (evaluation runs, background uploads, retention), one
resource whichever queue carried it (SQLite locally, SQS on AWS)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from ragworks.api.deps import caller, services_dep
from ragworks.api.responses import Job, JobList
from ragworks.auth import Principal
from ragworks.services import Services
from ragworks.usecases import jobs

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

#: the scope that may see a job of each kind (uploads: whoever may upload)
_SCOPE = {"ingest": "ingest", "eval_run": "admin", "alerts": "admin", "retention": "admin",
          "sync": "ingest"}


@router.get("", response_model=JobList)
def list_jobs(kind: str | None = Query(None, description="ingest, eval_run, alerts, retention"),
              who: Principal = Depends(caller), svc: Services = Depends(services_dep)) -> dict:
    """The caller's tenant's latest jobs that its scopes may see, newest first."""
    def may_see(job: dict) -> bool:
        return _SCOPE.get(job["kind"], "admin") in who.scopes or "admin" in who.scopes

    return {"jobs": [j for j in jobs.listing(svc, who.tenant, kind) if may_see(j)]}


@router.get("/{job_id}", response_model=Job)
def get_job(job_id: str, who: Principal = Depends(caller),
            svc: Services = Depends(services_dep)) -> dict:
    """queued -> running (done of total) -> done (with its result) or failed (the error)."""
    job = jobs.follow(svc, who.tenant, job_id)
    who.require(_SCOPE.get(job["kind"], "admin"))
    return job
