"""Bound every request body before any of it is parsed, and refuse strangers first.

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
from collections.abc import Awaitable, Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: headers -> None when the caller may send a body, else (status, error, detail)
Gatekeeper = Callable[[Scope], Awaitable[tuple[int, str, str] | None]]
_BODY_METHODS = ("POST", "PUT", "PATCH")


class BodyLimit:
    """ASGI middleware. ``caps`` is ``[(path prefix, bytes), ...]``, first match wins;
    other paths get ``default``. ``gate`` (optional) decides on credentials first."""

    def __init__(self, app: ASGIApp, caps: Sequence[tuple[str, int]], default: int,
                 gate: Gatekeeper | None = None, gated: tuple[str, ...] = ("/api/v1/",)
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


async def _answer(send: Send, status: int, error: str, detail: str) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
