"""Alert rules, history and the evaluator lease: the same tests on SQLite and DynamoDB."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.alerts.store import AlertStore, DynamoAlertStore, SQLiteAlertStore
from ragworks.observe.store_sqlite import SQLiteTraceStore
from ragworks.testing.alert_store import AlertStoreContract


class TestAlertStore(AlertStoreContract):
    @pytest.fixture(params=["sqlite", "dynamodb"])
    def stores(self, request: pytest.FixtureRequest,
               tmp_path: Path) -> Iterator[tuple[SQLiteTraceStore, AlertStore, AlertStore]]:
        traces = SQLiteTraceStore(tmp_path / "t.db")
        if request.param == "sqlite":
            yield traces, SQLiteAlertStore(traces.db), SQLiteAlertStore(SQLiteTraceStore(
                tmp_path / "t.db").db)
            return
        request.getfixturevalue("aws")
        from ragworks.storage.dynamodb import DynamoRecordStore

        spec = f"dynamodb://rw-{secrets.token_hex(4)}"
        yield traces, DynamoAlertStore(DynamoRecordStore(spec)), DynamoAlertStore(
            DynamoRecordStore(spec))



