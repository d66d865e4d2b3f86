"""Structured logging: readable lines in development, JSON lines in production."""

from __future__ import annotations

import logging
import sys

import structlog

from ragworks.settings import Settings


def configure(settings: Settings) -> None:
    json_lines = settings.log_json
    if json_lines is None:
        json_lines = settings.env == "production"
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    renderer = (structlog.processors.JSONRenderer() if json_lines
                else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso"), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
