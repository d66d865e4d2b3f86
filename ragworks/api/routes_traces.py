"""/api/v1/traces: what happened in each request (admin scope)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from ragworks.api.deps import admin_caller, services_dep
from ragworks.api.responses import TraceDetail, TraceList
from ragworks.api.schemas import MAX_EPOCH, MAX_OFFSET
from ragworks.auth import Principal
from ragworks.errors import NotFound
from ragworks.observe.store import TraceFilter
from ragworks.services import Services

router = APIRouter(prefix="/api/v1/traces", tags=["traces"])


@router.get("", response_model=TraceList)
def list_traces(since: float | None = Query(None, ge=0, le=MAX_EPOCH,
                                           description="epoch seconds"),
                until: float | None = Query(None, ge=0, le=MAX_EPOCH),
                category: str | None = None,
                variant: str | None = None,
                status: str | None = Query(None, pattern="^(ok|error)$"),
                has_feedback: bool | None = None,
                min_latency_ms: float | None = Query(None, ge=0, le=MAX_EPOCH),
                max_latency_ms: float | None = Query(None, ge=0, le=MAX_EPOCH),
                name: str | None = None,
                q: str | None = Query(None, max_length=500,
                                      description="words that must all appear in the "
                                      "question or the answer (any case)"),
                user_id: str | None = Query(None, max_length=200),
                session_id: str | None = Query(None, max_length=200),
                rating: str | None = Query(None, pattern="^(up|down)$",
                                           description="the users' rating"),
                limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0, le=MAX_OFFSET),
                who: Principal = Depends(admin_caller),
                svc: Services = Depends(services_dep)) -> dict:
    """Traces of the caller's tenant, newest first, filtered and paginated."""
    f = TraceFilter(since=since, until=until, category=category, variant=variant,
                    status=status, has_feedback=has_feedback, min_latency_ms=min_latency_ms,
                    max_latency_ms=max_latency_ms, name=name, text=q, user_id=user_id,
                    session_id=session_id, rating=rating)
    rows, total = svc.traces.list_traces(who.tenant, f, limit, offset)
    return {"traces": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/{trace_id}", response_model=TraceDetail)
def get_trace(trace_id: str, who: Principal = Depends(admin_caller),
              svc: Services = Depends(services_dep)) -> dict:
    """One trace with its observation tree (by parent_id) and scores."""
    trace = svc.traces.get_trace(who.tenant, trace_id)
    if trace is None:
        raise NotFound(f"no trace {trace_id!r}")
    return trace
