"""Bound what a request may take: its body, its key's rate, the process's concurrency.

Bodies: bound every request body before any of it is parsed, and refuse strangers
first.

FastAPI parses a JSON body before a route's dependencies run, so a size check in a
route (or an auth check in a dependency) comes after the memory is spent. This
middleware runs in front of the app:

- each path prefix has its own cap (uploads, dataset imports, everything else);
  a ``Content-Length`` over it is answered 413 at once, and a streamed (chunked)
  body is counted and answered 413 the moment it passes the cap;
- on ``/api/v1`` the caller's credentials are checked before the first byte of a
  body is read, so an anonymous or wrong key gets 401 without sending a payload.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ragworks.errors import RateLimited

#: headers -> None when the caller may send a body, else (status, error, detail)
Gatekeeper = Callable[[Scope], Awaitable[tuple[int, str, str] | None]]
_BODY_METHODS = ("POST", "PUT", "PATCH")


class BodyLimit:
    """ASGI middleware. ``caps`` is ``[(path prefix, bytes), ...]``, first match wins;
    other paths get ``default``. ``gate`` (optional) decides on credentials first."""

    def __init__(self, app: ASGIApp, caps: Sequence[tuple[str, int]], default: int,
                 gate: Gatekeeper | None = None, gated: tuple[str, ...] = ("/api/v1/", "/v1/")
                 ) -> None:
        self.app, self.caps, self.default = app, list(caps), default
        self.gate, self.gated = gate, gated

    def cap_for(self, path: str) -> int:
        return next((cap for prefix, cap in self.caps if path.startswith(prefix)),
                    self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(scope["path"])
        if not await self._refused_early(scope, send, cap):
            await self._bounded(scope, receive, send, cap)

    async def _refused_early(self, scope: Scope, send: Send, cap: int) -> bool:
        """Credentials first, then a declared length over the cap: answered, no body read."""
        if self.gate is not None and scope["path"].startswith(self.gated):
            refused = await self.gate(scope)
            if refused is not None:
                await _answer(send, *refused)
                return True
        length = dict(scope["headers"]).get(b"content-length")
        if length is None:
            return False
        if not length.isdigit():
            await _answer(send, 400, "BadInput", "Content-Length is not a number")
            return True
        if int(length) > cap:
            await _answer(send, 413, "PayloadTooLarge", _too_large(cap))
            return True
        return False

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        """Run the app on a body counted as it streams; past the cap, answer 413 and tell
        the app the client left (its own answer, if any, is dropped)."""
        seen = 0
        answered = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    if not started:
                        await _answer(send, 413, "PayloadTooLarge", _too_large(cap))
                    answered = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not answered:
                raise


def _too_large(cap: int) -> str:
    return f"the request body is over the limit of {cap} bytes for this route"


async def _answer(send: Send, status: int, error: str, detail: str,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), *(extra or [])]
    if status in (401, 413):  # the rest of the request is not read: close the connection
        headers.append((b"connection", b"close"))
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class KeyQuota:
    """A token bucket per API key: ``per_minute`` requests a minute on average, bursts up
    to ``burst``. ``take`` raises RateLimited (429) with the seconds until the next one."""

    def __init__(self, per_minute: float, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, int(per_minute // 6)))
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.rate)
                raise RateLimited(f"this API key's rate limit ({self.rate * 60:g} requests a "
                                  f"minute) is used up: retry in {wait} s", wait)
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 100_000:  # forget idle keys (their buckets are full)
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 600}


class InFlightLimit:
    """ASGI middleware: at most ``limit`` requests under ``paths`` at once in this process;
    past that, 503 with Retry-After at once (shedding load instead of queueing it, so
    latency stays bounded). Health and readiness are never counted or refused."""

    def __init__(self, app: ASGIApp, limit: int, paths: tuple[str, ...] = ("/api/v1/",),
                 retry_after_s: int = 1) -> None:
        self.app, self.limit, self.paths = app, limit, paths
        self.retry_after_s = retry_after_s
        self.active = 0
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0 or \
                not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            self.shed += 1
            await _answer(send, 503, "Unavailable",
                          f"the server is at its limit of {self.limit} requests at once; "
                          f"retry in {self.retry_after_s} s",
                          [(b"retry-after", str(self.retry_after_s).encode())])
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1
