"""/api/v1/experiments: A/B tests of pipeline configurations (admin scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ragworks.api.deps import admin_caller, services_dep
from ragworks.api.responses import Experiment, ExperimentList, ExperimentResults, Promoted
from ragworks.auth import Principal
from ragworks.services import Services

router = APIRouter(prefix="/api/v1/experiments", tags=["experiments"])


class VariantSpec(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    weight: float = Field(1.0, gt=0)
    overrides: dict[str, Any] = Field(default_factory=dict)


class ExperimentSpec(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    variants: list[VariantSpec] = Field(min_length=2, max_length=10)
    primary_metric: str = "thumbs_up"
    guardrails: dict[str, float] = Field(default_factory=dict)


class Promotion(BaseModel):
    variant: str


@router.post("", status_code=201, response_model=Experiment)
def create(spec: ExperimentSpec, who: Principal = Depends(admin_caller),
           svc: Services = Depends(services_dep)) -> dict:
    return svc.experiments.create(who.tenant, spec.model_dump())


@router.get("", response_model=ExperimentList)
def list_experiments(who: Principal = Depends(admin_caller),
                     svc: Services = Depends(services_dep)) -> dict:
    return {"experiments": svc.experiments.store.all(who.tenant),
            "active_config": svc.experiments.store.active_config(who.tenant),
            "config_history": svc.experiments.store.config_history(who.tenant)}


@router.get("/{exp_id}", response_model=Experiment)
def get(exp_id: str, who: Principal = Depends(admin_caller),
        svc: Services = Depends(services_dep)) -> dict:
    return svc.experiments.get(who.tenant, exp_id)


@router.post("/{exp_id}/start", response_model=Experiment)
def start(exp_id: str, who: Principal = Depends(admin_caller),
          svc: Services = Depends(services_dep)) -> dict:
    return svc.experiments.start(who.tenant, exp_id)


@router.post("/{exp_id}/stop", response_model=Experiment)
def stop(exp_id: str, who: Principal = Depends(admin_caller),
         svc: Services = Depends(services_dep)) -> dict:
    return svc.experiments.stop(who.tenant, exp_id)


@router.get("/{exp_id}/results", response_model=ExperimentResults)
def results(exp_id: str, who: Principal = Depends(admin_caller),
            svc: Services = Depends(services_dep)) -> dict:
    return svc.experiments.results(who.tenant, exp_id)


@router.post("/{exp_id}/promote", response_model=Promoted)
def promote(exp_id: str, body: Promotion, who: Principal = Depends(admin_caller),
            svc: Services = Depends(services_dep)) -> dict:
    """Make the variant's overrides the tenant's default configuration (recorded)."""
    return svc.experiments.promote(who.tenant, exp_id, body.variant, f"key:{who.key_name}",
                                   can_answer=svc.pipeline_for)
