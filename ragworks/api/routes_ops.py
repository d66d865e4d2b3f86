"""Operational routes: health, readiness, metrics, the API docs, the chat page."""

from __future__ import annotations

import hmac
import ipaddress
from importlib import resources

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ragworks.api.deps import services_dep
from ragworks.services import Services

router = APIRouter()

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ragworks API</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>
"""


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    icon = resources.files("ragworks.web") / "static" / "favicon.svg"
    return Response(icon.read_bytes(), media_type="image/svg+xml",
                    headers={"Cache-Control": "max-age=86400"})


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, svc: Services = Depends(services_dep)) -> Response:
    """Prometheus metrics (totals across tenants): with RAGWORKS_METRICS_TOKEN set, for
    'Authorization: Bearer <token>'; without it, for loopback callers only."""
    token = svc.settings.metrics_token
    if token:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return JSONResponse({"error": "Unauthorized", "detail": "metrics need "
                                 "'Authorization: Bearer <RAGWORKS_METRICS_TOKEN>'"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
    elif not _loopback(request.client.host if request.client else ""):
        return JSONResponse({"error": "Forbidden", "detail": "metrics are served to "
                             "loopback only; set RAGWORKS_METRICS_TOKEN to scrape from "
                             "elsewhere"}, status_code=403)
    return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)


def readiness_checks(svc: Services) -> dict[str, str]:
    """What ``/readyz`` reports (see ``api.probes``): each dependency "ok" or its error."""
    checks = {}
    for name, probe in (("record_store", lambda: svc.records.count_documents("default")),
                        ("chunk_index", lambda: svc.index.count()),
                        ("embedder", lambda: svc.embedder.embed(["ready"]))):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
            checks[name] = f"error: {type(exc).__name__}"
    checks["storage_writes"] = svc.write_health()  # a full or read-only disk is not ready
    export = svc.tracer.export
    if export is not None:  # said, but telemetry never takes the server out of service
        checks["export"] = export.status()
    return checks


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def chat_page() -> HTMLResponse:
    page = resources.files("ragworks.web") / "templates" / "chat.html"
    return HTMLResponse(page.read_text(encoding="utf-8"))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
