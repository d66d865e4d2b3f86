"""/api/v1/dashboard and /api/v1/alerts: the admin dashboard's data (admin scope).

Everything here reads rollups, alert rows and small tables, never raw traces.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Response

from ragworks.api.deps import admin_caller, services_dep
from ragworks.api.responses import (
    AlertHistory,
    AlertRule,
    AlertRules,
    AlertsEvaluated,
    DriftReport,
    RecentFeedback,
    Series,
    Tiles,
    Timeline,
)
from ragworks.auth import Principal
from ragworks.dashboard.data import RANGES, DashboardData
from ragworks.dashboard.drift import Drift
from ragworks.errors import BadInput
from ragworks.observe.rollups import TRAFFIC
from ragworks.services import Services

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
alerts_router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


_TRAFFIC = Query("production", description="production (live users, the default), or the "
                 "service's own traffic kept apart: " + ", ".join(TRAFFIC[1:]))


@router.get("/tiles", response_model=Tiles)
def tiles(traffic: str = _TRAFFIC, who: Principal = Depends(admin_caller),
          svc: Services = Depends(services_dep)) -> dict:
    return DashboardData(svc.traces, traffic).tiles(who.tenant)


@router.get("/series", response_model=Series)
def series(range: str = Query("24h", description=", ".join(RANGES)),  # noqa: A002
           traffic: str = _TRAFFIC,
           who: Principal = Depends(admin_caller), svc: Services = Depends(services_dep)) -> dict:
    return DashboardData(svc.traces, traffic).series(who.tenant, range)


@router.get("/drift", response_model=DriftReport)
def drift(recent_hours: float = Query(24, gt=0, le=24 * 30),
          baseline_days: float = Query(7, gt=0, le=90),
          who: Principal = Depends(admin_caller), svc: Services = Depends(services_dep)) -> dict:
    return Drift(DashboardData(svc.traces)).report(
        who.tenant, recent_s=recent_hours * 3600, baseline_s=baseline_days * 86400)


@router.get("/timeline", response_model=Timeline)
def timeline(who: Principal = Depends(admin_caller), svc: Services = Depends(services_dep)) -> dict:
    """Configuration promotions (who, when, which overrides), newest first."""
    history = svc.experiments.store.config_history(who.tenant)
    return {"events": list(reversed(history))}


@router.get("/feedback", response_model=RecentFeedback)
def feedback(limit: int = Query(20, ge=1, le=200), who: Principal = Depends(admin_caller),
             svc: Services = Depends(services_dep)) -> dict:
    return {"feedback": svc.traces.recent_feedback(who.tenant, limit)}


@alerts_router.get("", response_model=AlertRules)
def list_alerts(who: Principal = Depends(admin_caller),
                svc: Services = Depends(services_dep)) -> dict:
    """Rules with their state (the shipped rules are created on first use)."""
    svc.alerts.ensure_defaults(who.tenant)
    return {"rules": svc.alerts.rules(who.tenant),
            "history": svc.alerts.history(who.tenant, limit=50)}


@alerts_router.post("", status_code=201, response_model=AlertRule)
def create_alert(spec: dict[str, Any] = Body(...), who: Principal = Depends(admin_caller),
                 svc: Services = Depends(services_dep)) -> dict:
    return svc.alerts.create(who.tenant, spec)


@alerts_router.put("/{rule_id}", response_model=AlertRule)
def edit_alert(rule_id: str, spec: dict[str, Any] = Body(...),
               who: Principal = Depends(admin_caller),
               svc: Services = Depends(services_dep)) -> dict:
    """Change a rule: the fields sent replace the current ones (state and history stay)."""
    return svc.alerts.edit(who.tenant, rule_id, spec)


@alerts_router.delete("/{rule_id}", status_code=204)
def delete_alert(rule_id: str, who: Principal = Depends(admin_caller),
                 svc: Services = Depends(services_dep)) -> Response:
    svc.alerts.delete(who.tenant, rule_id)
    return Response(status_code=204)


@alerts_router.post("/{rule_id}/ack", response_model=AlertRule)
def ack_alert(rule_id: str, who: Principal = Depends(admin_caller),
              svc: Services = Depends(services_dep)) -> dict:
    return svc.alerts.acknowledge(who.tenant, rule_id, who.key_name)


@alerts_router.post("/{rule_id}/silence", response_model=AlertRule)
def silence_alert(rule_id: str, body: dict[str, Any] = Body(...),
                  who: Principal = Depends(admin_caller),
                  svc: Services = Depends(services_dep)) -> dict:
    try:
        seconds = float(body.get("seconds", 3600))
    except (TypeError, ValueError):
        raise BadInput("seconds must be a number") from None
    return svc.alerts.silence(who.tenant, rule_id, seconds, who.key_name)


@alerts_router.get("/history", response_model=AlertHistory)
def alert_history(rule_id: str | None = None, limit: int = Query(100, ge=1, le=1000),
                  who: Principal = Depends(admin_caller),
                  svc: Services = Depends(services_dep)) -> dict:
    return {"events": svc.alerts.history(who.tenant, limit, rule_id)}


@alerts_router.post("/evaluate", response_model=AlertsEvaluated)
def evaluate_now(who: Principal = Depends(admin_caller),
                 svc: Services = Depends(services_dep)) -> dict:
    """Run one evaluation pass now (when this process holds the evaluator lease)."""
    svc.alerts.ensure_defaults(who.tenant)
    evaluated = svc.alerts.evaluate_all(tenant=who.tenant)
    return {"evaluated": evaluated, "rules": svc.alerts.rules(who.tenant)}
