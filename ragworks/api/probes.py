"""Health and readiness that answer within a second under any load.

A container's health check kills a server whose ``/healthz`` times out, so the probes
must not wait behind the work they watch:

- ``GET /healthz`` is answered by the outermost middleware, on the event loop, before
  request logging, body limits, the in-flight limit and routing;
- ``GET /readyz`` runs its checks (record store, chunk index, embedder, storage writes) on
  one thread of its own, never on the pool the queries use, and waits at most
  ``wait_s`` for them. Checks that do not finish in time are an answer too: 503, "the
  server is too busy to check", which is what a load balancer should hear. A check still
  running is joined by the next probe rather than started twice.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from starlette.types import ASGIApp, Receive, Scope, Send

from ragworks import __version__

Checks = Callable[[], dict[str, str]]


class Probes:
    """ASGI middleware: ``/healthz`` and ``/readyz`` (GET and HEAD) before anything else."""

    def __init__(self, app: ASGIApp, checks: Checks, wait_s: float = 0.8) -> None:
        self.app, self.checks, self.wait_s = app, checks, wait_s
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="readyz")
        self._lock = threading.Lock()
        self._running: Future[dict[str, str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path not in ("/healthz", "/readyz") or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if path == "/healthz":
            await _json(send, 200, {"status": "ok", "version": __version__}, head)
            return
        ready, checks = await self.ready()
        await _json(send, 200 if ready else 503, {"ready": ready, "checks": checks}, head)

    async def ready(self) -> tuple[bool, dict[str, str]]:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._pool.submit(self.checks)
            running = self._running
        try:
            checks = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(running)),
                                            self.wait_s)
        except TimeoutError:
            return False, {"checks": f"did not finish within {self.wait_s:g} s: the server "
                                     "is too busy to check"}
        # "ok; <detail>" is ready with something to say (a restarted export child)
        return all(v == "ok" or v.startswith("ok;") for v in checks.values()), checks


async def _json(send: Send, status: int, body: dict, head: bool = False) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": b"" if head else data})
