"""Who goes first with the model: a user's question ahead of background work.

On two cores the local model answers one question at a time, and the demo's warm-up, an
evaluation job or a judge would otherwise hold it for a user's 30 seconds. Every user
question counts itself in (``Turns.user``) for as long as it runs; background work
waits until no user has asked for ``idle_s`` (``wait_idle``), and runs inside
``background(turns)``, where the model checks between tokens (``check``) and gives way
(raises ``GaveWay``) the moment a user question arrives: the work is asked again later,
and its half-done answer is neither shown nor traced.

    with turns.user():                 # a user's question
        ...
    with background(turns):            # the warm-up
        turns.wait_idle()
        try: answer(...)
        except GaveWay: ...            # ask it again once the users are served
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class GaveWay(Exception):  # noqa: N818 - not an error: background work made room
    """Background work stopped so that a user's question could use the model."""


_BACKGROUND: ContextVar[Turns | None] = ContextVar("ragworks_background", default=None)


class Turns:
    def __init__(self, idle_s: float = 10.0) -> None:
        self.idle_s = idle_s
        self._cond = threading.Condition()
        self._last_user = float("-inf")
        self._ticket = 0
        self._tickets: list[int] = []
        self.gave_way = 0  # how often background work made room (for tests and metrics)

    @contextmanager
    def user(self) -> Iterator[int]:
        """Count a user's question in while it runs; yields its ticket (see ``ahead``)."""
        with self._cond:
            self._ticket += 1
            ticket = self._ticket
            self._tickets.append(ticket)
        try:
            yield ticket
        finally:
            with self._cond:
                self._tickets.remove(ticket)
                self._last_user = time.monotonic()
                self._cond.notify_all()

    def ahead(self, ticket: int) -> int:
        """How many users' questions that came earlier are still running."""
        with self._cond:
            return sum(t < ticket for t in self._tickets)

    def busy(self) -> bool:
        """A user question is running (or waiting for the model)."""
        return bool(self._tickets)

    def wait_idle(self, stop: threading.Event | None = None) -> bool:
        """Block until no user question has run for ``idle_s``; False when ``stop`` is set."""
        with self._cond:
            while True:
                if stop is not None and stop.is_set():
                    return False
                quiet = time.monotonic() - self._last_user
                if not self._tickets and quiet >= self.idle_s:
                    return True
                self._cond.wait(timeout=min(1.0, max(0.05, self.idle_s - quiet)))


@contextmanager
def background(turns: Turns) -> Iterator[None]:
    """Run the block as background work: the model gives way to users (``check``)."""
    token = _BACKGROUND.set(turns)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


def check() -> None:
    """Called by a model between steps: in background work, give way to a waiting user."""
    turns = _BACKGROUND.get()
    if turns is not None and turns.busy():
        turns.gave_way += 1
        raise GaveWay
