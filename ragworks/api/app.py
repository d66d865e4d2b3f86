"""The FastAPI application.

    app = create_app(Settings())

Served by ``ragworks serve``, or by uvicorn directly: ``uvicorn ragworks.api.app:app``
(the module builds the default app from the environment when ``app`` is first asked
for) or ``uvicorn --factory ragworks.api.app:create_app``.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib import resources

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from ragworks import __version__
from ragworks.alerts.service import AlertEvaluator
from ragworks.api import errors as api_errors
from ragworks.api.admin_pages import router as admin_pages
from ragworks.api.deps import body_gate
from ragworks.api.limits import BodyLimit, InFlightLimit, KeyQuota
from ragworks.api.middleware import RequestContext, SecurityHeaders
from ragworks.api.probes import Probes
from ragworks.api.routes_dashboard import alerts_router
from ragworks.api.routes_dashboard import router as dashboard_router
from ragworks.api.routes_datasets import router as datasets_router
from ragworks.api.routes_documents import router as documents_router
from ragworks.api.routes_evals import router as evals_router
from ragworks.api.routes_experiments import router as experiments_router
from ragworks.api.routes_feedback import router as feedback_router
from ragworks.api.routes_jobs import router as jobs_router
from ragworks.api.routes_keys import router as keys_router
from ragworks.api.routes_openai import router as openai_router
from ragworks.api.routes_ops import readiness_checks
from ragworks.api.routes_ops import router as ops_router
from ragworks.api.routes_query import QueryShortcut
from ragworks.api.routes_query import router as query_router
from ragworks.api.routes_sources import router as sources_router
from ragworks.api.routes_traces import router as traces_router
from ragworks.services import Services
from ragworks.settings import Settings
from ragworks.usecases.sync_schedule import source_loop
from ragworks.usecases.upkeep import retention_loop
from ragworks.worker import Worker

log = structlog.get_logger(__name__)


def _lifespan(svc: Services, settings: Settings
              ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """What runs beside the server while it serves: trace retention, the job workers and
    the alert evaluator; stopped, joined and the services closed when it stops."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        threads = [threading.Thread(target=retention_loop, args=(svc, stop), daemon=True,
                                    name="trace-retention")]
        for n in range(settings.worker_threads or 0):  # the jobs: evaluations, uploads, retention
            threads.append(threading.Thread(target=Worker(svc, svc.jobs).run, args=(stop,),
                                            kwargs={"max_messages": 1}, daemon=True,
                                            name=f"job-worker-{n}"))
        if settings.source_check_s > 0:  # folders, buckets and sites kept in sync
            threads.append(threading.Thread(target=source_loop, daemon=True, name="sources",
                                            args=(svc, stop, settings.source_check_s)))
        for thread in threads:
            thread.start()
        evaluator = None
        if settings.alert_interval_s > 0:
            # a local model answers in seconds to tens of seconds: a p95 rule made for
            # API models would fire on every question of the demo
            local = settings.llm.startswith("local:")
            svc.alerts.ensure_defaults("default", latency_ms=45000 if local else None)
            evaluator = AlertEvaluator(svc.alerts, settings.alert_interval_s)
            evaluator.start()
        yield
        stop.set()
        if evaluator is not None:
            evaluator.stop()
        if "ingestor" in svc.__dict__:  # a worker mid-ingest stops between batches
            svc.ingestor.stopping.set()
        for thread in threads[1:]:
            thread.join(timeout=settings.flush_timeout_s)
        svc.close()

    return lifespan


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.check_safe()
    svc = services or Services(settings)
    lifespan = _lifespan(svc, settings)

    app = FastAPI(title="ragworks", version=__version__, lifespan=lifespan,
                  description="Retrieval-augmented question answering with citations.",
                  docs_url=None, redoc_url=None)  # /docs below: assets served from here
    app.state.services = svc
    app.state.dev_key = svc.bootstrap_key()
    app.state.quota = KeyQuota(settings.rate_limit_per_minute, settings.rate_limit_burst)
    api_errors.install(app)
    app.add_middleware(QueryShortcut)  # innermost: behind every limit below
    app.add_middleware(BodyLimit, default=settings.max_json_bytes, gate=body_gate, caps=[
        # multipart framing adds a little to an upload: 64 KiB on top of the file limit
        ("/api/v1/documents", settings.max_upload_bytes + 65536),
        ("/api/v1/datasets", settings.max_dataset_bytes),
        ("/admin/", 16384)])
    app.add_middleware(InFlightLimit, limit=settings.in_flight_limit)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext, metrics=svc.metrics)
    app.add_middleware(Probes, checks=lambda: readiness_checks(svc),  # outermost
                       wait_s=settings.ready_timeout_s)
    # the hot path first: a request is matched against the routes in this order
    app.include_router(query_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(documents_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(traces_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(feedback_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(keys_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(jobs_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(sources_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(experiments_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(datasets_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(evals_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(dashboard_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(alerts_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(openai_router, responses=api_errors.ERROR_RESPONSES)
    app.include_router(admin_pages)
    app.include_router(ops_router)
    app.mount("/static", StaticFiles(directory=str(resources.files("ragworks.web") / "static")),
              name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    return app




def __getattr__(name: str) -> FastAPI:
    """``ragworks.api.app:app`` for uvicorn and gunicorn: built on first access only, so
    importing this module (as the tests and the CLI do) starts nothing."""
    if name == "app":
        built = create_app()
        globals()["app"] = built
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
