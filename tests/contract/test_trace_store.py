"""Trace store contract: the same tests on SQLite and on DynamoDB (moto's server).

The strongest check: the same seeded traffic in both gives the same dashboard tiles,
charts and drift figures.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ragworks.dashboard.data import DashboardData
from ragworks.dashboard.drift import Drift
from ragworks.dashboard.seed import seed_traces
from ragworks.observe.store_sqlite import SQLiteTraceStore
from ragworks.testing.trace_store import TraceStoreContract, dynamo_trace_store, settle


class TestTraceStore(TraceStoreContract):
    @pytest.fixture(params=["sqlite", "dynamodb"])
    def store(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
        if request.param == "sqlite":
            s: Any = SQLiteTraceStore(tmp_path / "t.db")
        else:
            request.getfixturevalue("aws")
            s = dynamo_trace_store(f"dynamodb://rw-{secrets.token_hex(4)}")
        yield s
        s.close()


def test_the_same_traffic_gives_the_same_dashboards(tmp_path: Path, aws: Any) -> None:
    now = time.time()
    sqlite = SQLiteTraceStore(tmp_path / "t.db")
    dynamo = dynamo_trace_store(f"dynamodb://rw-{secrets.token_hex(4)}")
    try:
        for s in (sqlite, dynamo):
            seed_traces(s, "acme", 60, 3, now, seed=5)
        settle(dynamo)
        views = []
        for s in (sqlite, dynamo):
            data = DashboardData(s)
            drift = Drift(data, min_samples=5).report("acme", baseline_s=2 * 86400, now=now)
            drift.pop("recent"), drift.pop("baseline")
            views.append((data.tiles("acme", now=now) | {"at": 0},
                          data.series("acme", "24h", now=now), drift))
        assert views[0][0] == views[1][0]
        assert views[0][1] == views[1][1]
        assert views[0][2]["categories"] == views[1][2]["categories"]
        assert views[0][2]["category_psi"] is not None and views[0][0]["requests_last_hour"] > 0
        assert views[0][2]["embedding_shift"] == pytest.approx(views[1][2]["embedding_shift"],
                                                               abs=1e-6)
        assert views[0][2]["category_psi"] == pytest.approx(views[1][2]["category_psi"])
    finally:
        sqlite.close()
        dynamo.close()
