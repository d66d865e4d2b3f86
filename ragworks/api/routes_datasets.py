"""/api/v1/datasets: versioned evaluation datasets (admin scope)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from ragworks.api.deps import admin_caller, services_dep
from ragworks.api.responses import DatasetList, DatasetSaved
from ragworks.auth import Principal
from ragworks.services import Services

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])


class DatasetUpload(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    items: list[dict[str, Any]] = Field(min_length=1, max_length=100_000)


class FromTraces(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    days: float = Field(7.0, gt=0, le=3650)
    all_answers: bool = False


@router.post("", status_code=201, response_model=DatasetSaved)
def upload(body: DatasetUpload, response: Response, who: Principal = Depends(admin_caller),
           svc: Services = Depends(services_dep)) -> dict:
    """Same content again: 200 and the existing version; new content: a new version."""
    saved = svc.datasets.save(who.tenant, body.name, body.items)
    if not saved["new"]:
        response.status_code = 200
    return saved


@router.get("", response_model=DatasetList)
def list_datasets(who: Principal = Depends(admin_caller),
                  svc: Services = Depends(services_dep)) -> dict:
    return {"datasets": svc.datasets.all(who.tenant)}


@router.post("/from-traces", status_code=201, response_model=DatasetSaved)
def from_traces(body: FromTraces, who: Principal = Depends(admin_caller),
                svc: Services = Depends(services_dep)) -> dict:
    """Questions of recent traces (by default only those rated thumbs down)."""
    return svc.datasets.from_traces(
        who.tenant, body.name, time.time() - body.days * 86400,
        thumbs_down_only=not body.all_answers)
