"""Structured logging: readable lines in development, JSON lines in production.

Both structlog's loggers and the standard library's (uvicorn, libraries) go
through the same processors, so every line inside a request carries
request_id, trace_id and tenant (bound as context variables by the middleware).
"""

from __future__ import annotations

import logging
import sys

import structlog

from ragworks.settings import Settings

#: default level per environment (RAGWORKS_LOG_LEVEL overrides)
LEVELS = {"dev": "INFO", "test": "WARNING", "production": "INFO"}


def configure(settings: Settings) -> None:
    json_lines = settings.log_json
    if json_lines is None:
        json_lines = settings.env == "production"
    name = (settings.log_level or LEVELS.get(settings.env, "INFO")).upper()
    level = getattr(logging, name, logging.INFO)
    shared: list = [structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True)]
    renderer = (structlog.processors.JSONRenderer() if json_lines
                else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
