"""Request dependencies: the services container and the authenticated principal."""

from __future__ import annotations

import structlog
from fastapi import Request

from ragworks.auth import Principal
from ragworks.services import Services


def services(request: Request) -> Services:
    return request.app.state.services


def principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    key = header[7:].strip() if header.lower().startswith("bearer ") else None
    key = key or request.headers.get("x-api-key")
    who = services(request).keys.authenticate(key)
    request.state.tenant = who.tenant
    structlog.contextvars.bind_contextvars(tenant=who.tenant)
    return who
