"""Where traces live: the TraceStore protocol and the filter of a trace listing.

Two twins implement it with the same signatures: ``store_sqlite.SQLiteTraceStore`` (the
embedded default, one SQLite file) and ``store_dynamodb.DynamoTraceStore`` (AWS).
``ragworks.testing.trace_store`` holds the contract suite that both pass, and that a
third backend can run against itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ragworks.observe.model import Score, Trace

#: (series, time, count, sum, min, max, buckets) of one rollup cell
RollupRow = tuple[str, int, int, float, float, float, list[int]]


@dataclass(frozen=True)
class TraceFilter:
    since: float | None = None
    until: float | None = None
    category: str | None = None
    variant: str | None = None
    status: str | None = None
    has_feedback: bool | None = None
    min_latency_ms: float | None = None
    max_latency_ms: float | None = None
    name: str | None = None


class TraceStore(Protocol):
    # -- writes
    def save_trace(self, trace: Trace) -> None: ...

    def add_scores(self, tenant: str, scores: Sequence[Score], roll_up: bool = True) -> None: ...

    def upsert_feedback(self, tenant: str, trace_id: str, user_id: str,
                        fields: dict[str, Any]) -> bool: ...

    def delete_traces_before(self, before: float) -> int: ...

    def flush(self) -> None:
        """Write whatever is buffered (rollups) now."""

    # -- reads
    def get_trace(self, tenant: str, trace_id: str,
                  light: bool = False) -> dict[str, Any] | None: ...

    def get_feedback(self, tenant: str, trace_id: str, user_id: str) -> dict[str, Any] | None: ...

    def list_traces(self, tenant: str, f: TraceFilter, limit: int = 50,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]: ...

    def rollup_rows(self, tenant: str, since: float, until: float, prefixes: Sequence[str],
                    hourly: bool = False) -> Iterator[RollupRow]: ...

    def query_vectors(self, tenant: str, since: float,
                      until: float | None = None) -> list[tuple[int, int, np.ndarray]]: ...

    def recent_feedback(self, tenant: str, limit: int = 20) -> list[dict[str, Any]]: ...

    def corrections(self, tenant: str) -> list[tuple[str, str]]: ...

    def answered(self, tenant: str, since: float, until: float | None = None,
                 thumbs_down_only: bool = True) -> list[dict[str, Any]]: ...

    def variant_rows(self, tenant: str, exp_id: str) -> list[tuple[str, float, str]]: ...

    def variant_scores(self, tenant: str, exp_id: str, name: str) -> list[tuple[str, float]]: ...

    def close(self) -> None: ...
