"""Records one trace while a request runs: nested spans, generations and scores.

In memory only and cheap; nothing leaves the process until ``Tracer.finish``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ragworks.observe.model import Observation, Score, Trace, new_observation_id, new_trace_id


class TraceRecorder:
    def __init__(self, name: str, tenant: str, **fields: Any) -> None:
        self.trace = Trace(id=fields.pop("trace_id", None) or new_trace_id(), name=name,
                           tenant=tenant, **fields)
        self._stack: list[Observation] = []
        #: False when the finished trace could not be stored (its id must not be handed out)
        self.stored = True

    @property
    def trace_id(self) -> str:
        return self.trace.id

    @contextmanager
    def span(self, name: str, as_type: str = "span", **fields: Any) -> Iterator[Observation]:
        """Time a block as a child of the innermost open span; errors mark it and re-raise."""
        obs = Observation(id=new_observation_id(), trace_id=self.trace.id,
                          parent_id=self._stack[-1].id if self._stack else None, name=name,
                          type=as_type, **fields)
        self.trace.observations.append(obs)
        self._stack.append(obs)
        try:
            yield obs
        except BaseException as exc:
            obs.status, obs.status_message = "error", f"{type(exc).__name__}: {exc}"[:500]
            raise
        finally:
            obs.end = time.time()
            self._stack.remove(obs)

    def record(self, name: str, start: float, end: float, **fields: Any) -> Observation:
        """An already-timed child of the innermost open span (e.g. one arm of a search)."""
        obs = Observation(id=new_observation_id(), trace_id=self.trace.id,
                          parent_id=self._stack[-1].id if self._stack else None, name=name,
                          start=start, end=end, **fields)
        self.trace.observations.append(obs)
        return obs

    def score(self, name: str, value: float | bool | str, *, source: str = "auto",
              observation_id: str | None = None, comment: str = "") -> Score:
        if isinstance(value, bool):
            score = Score(id=new_observation_id(), trace_id=self.trace.id, name=name,
                          value=float(value), data_type="BOOLEAN", source=source,
                          observation_id=observation_id, comment=comment)
        elif isinstance(value, str):
            score = Score(id=new_observation_id(), trace_id=self.trace.id, name=name,
                          value=None, string_value=value, data_type="CATEGORICAL",
                          source=source, observation_id=observation_id, comment=comment)
        else:
            score = Score(id=new_observation_id(), trace_id=self.trace.id, name=name,
                          value=round(float(value), 6), source=source,
                          observation_id=observation_id, comment=comment)
        self.trace.scores.append(score)
        return score
