"""Request ids, structured access logs and HTTP metrics for every request."""

from __future__ import annotations

import secrets
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ragworks.observe.metrics import Metrics

log = structlog.get_logger("ragworks.access")


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = raw if raw.replace("-", "").isalnum() else secrets.token_hex(8)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append(
                    (b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            # a mount (static files) sets no route: it is named by its prefix
            path = getattr(route, "path", None) or scope.get("root_path") or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, path, str(status)).inc()
            self.metrics.latency.labels(method, path).observe(elapsed)
            state = scope.get("state", {})
            log.info("request", method=method, route=path, status=status,
                     ms=round(elapsed * 1000, 1), tenant=state.get("tenant", ""),
                     trace_id=state.get("trace_id", ""))


#: no inline script anywhere; inline style attributes are allowed (the trace view's bars)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Security headers on every response (pages, JSON, static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (k, v) for k, v in _SECURITY_HEADERS if k not in present]
            await send(message)

        await self.app(scope, receive, with_headers)
