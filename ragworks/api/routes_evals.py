"""/api/v1/eval: start evaluation runs, follow them, list and compare stored runs (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from ragworks.api.deps import admin_caller, services_dep
from ragworks.api.responses import EvalRun, EvalRunList, Job, JobList, RunComparison
from ragworks.auth import Principal
from ragworks.errors import BadInput, NotFound
from ragworks.evaluate.runs import compare
from ragworks.services import Services
from ragworks.usecases import jobs
from ragworks.usecases.evaluating import resolve_variant

router = APIRouter(prefix="/api/v1/eval", tags=["evaluation"])


class RunRequest(BaseModel):
    dataset: str = Field(min_length=1, max_length=120, description="NAME or NAME@VERSION")
    variant: dict[str, Any] | str | None = Field(
        None, description="overrides, or EXPERIMENT_ID/VARIANT")
    judge: str | None = Field(None, description="chat backend of an LLM judge, e.g. openai:MODEL")


@router.post("/runs", status_code=202, response_model=Job)
def start_run(body: RunRequest, who: Principal = Depends(admin_caller),
              svc: Services = Depends(services_dep)) -> dict:
    """Queue a run; follow it at /api/v1/jobs/{id} (done of total, then its run_id). The
    stored run is the result."""
    name, _, version = body.dataset.partition("@")
    if version and not version.isdigit():
        raise BadInput(f"dataset version must be a number, not {version!r}")
    items = svc.datasets.get(who.tenant, name, int(version) if version else None)
    overrides = resolve_variant(svc, who.tenant, body.variant)
    if body.judge:
        try:
            svc.chat(body.judge)  # a judge that cannot be built is refused now, not in the job
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    job = jobs.submit(svc, who.tenant, "eval_run",
                      {"dataset": body.dataset, "overrides": overrides, "judge": body.judge},
                      total=len(items),
                      public={"dataset": body.dataset, "overrides": overrides, "run_id": None,
                              "queue": svc.settings.job_queue})
    return job


@router.get("/jobs", response_model=JobList)
def list_jobs(who: Principal = Depends(admin_caller),
              svc: Services = Depends(services_dep)) -> dict:
    """Evaluation jobs (the same records as /api/v1/jobs, of kind eval_run)."""
    return {"jobs": jobs.listing(svc, who.tenant, "eval_run")}


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: str, who: Principal = Depends(admin_caller),
            svc: Services = Depends(services_dep)) -> dict:
    return jobs.follow(svc, who.tenant, job_id, "eval_run")


@router.get("/runs", response_model=EvalRunList)
def list_runs(who: Principal = Depends(admin_caller),
              svc: Services = Depends(services_dep)) -> dict:
    return {"runs": svc.runs.all(who.tenant)}


def _run(svc: Services, tenant: str, run_id: str) -> dict[str, Any]:
    run = svc.runs.get(tenant, run_id)
    if run is None:
        raise NotFound(f"no evaluation run {run_id!r}")
    return run


@router.get("/runs/{run_id}", response_model=EvalRun)
def get_run(run_id: str, who: Principal = Depends(admin_caller),
            svc: Services = Depends(services_dep)) -> dict:
    return _run(svc, who.tenant, run_id)


@router.get("/compare", response_model=RunComparison)
def compare_runs(a: str = Query(...), b: str = Query(...),
                 who: Principal = Depends(admin_caller),
                 svc: Services = Depends(services_dep)) -> dict:
    """Per metric: means of A and B, delta (B - A) and a paired t-test p-value."""
    return {"a": a, "b": b, "metrics": compare(_run(svc, who.tenant, a),
                                               _run(svc, who.tenant, b))}
