"""Experiments, the active configuration and its history, in the SQLite record file."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any, Protocol

from ragworks.observe.store import TraceStore
from ragworks.storage.sqlite import SQLiteFile, rollback


class ExperimentStore(Protocol):
    """Experiments and the active configuration; twins: ``SQLiteExperimentStore`` below and
    ``store_dynamodb.DynamoExperimentStore``. Results are read from the trace store."""

    def save(self, tenant: str, exp: dict[str, Any]) -> None: ...

    def get(self, tenant: str, exp_id: str) -> dict[str, Any] | None: ...

    def all(self, tenant: str) -> list[dict[str, Any]]: ...

    def running(self, tenant: str) -> dict[str, Any] | None: ...

    def active_config(self, tenant: str) -> dict[str, Any]: ...

    def update_active_config(self, tenant: str,
                             change: Callable[[dict[str, Any]], dict[str, Any]], who: str,
                             reason: dict[str, Any]) -> dict[str, Any]: ...

    def config_history(self, tenant: str) -> list[dict[str, Any]]: ...

    def variant_rows(self, tenant: str, exp_id: str) -> list[tuple[str, float, str]]: ...

    def variant_scores(self, tenant: str, exp_id: str, name: str) -> list[tuple[str, float]]: ...


class SQLiteExperimentStore:
    """In the SQLite file that the traces live in."""

    def __init__(self, db: SQLiteFile, traces: TraceStore) -> None:
        self.db, self.traces = db, traces

    def _conn(self) -> sqlite3.Connection:
        return self.db.conn()

    def save(self, tenant: str, exp: dict[str, Any]) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO experiments VALUES (?,?,?,?,?)",
            (exp["id"], tenant, exp["status"], json.dumps(exp), exp["created_at"]))

    def get(self, tenant: str, exp_id: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT data FROM experiments WHERE tenant=? AND id=?",
                                   (tenant, exp_id)).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self._conn().execute(
            "SELECT data FROM experiments WHERE tenant=? ORDER BY created_at DESC", (tenant,))]

    def running(self, tenant: str) -> dict[str, Any] | None:
        row = self._conn().execute(
            "SELECT data FROM experiments WHERE tenant=? AND status='running' "
            "ORDER BY created_at LIMIT 1", (tenant,)).fetchone()
        return json.loads(row[0]) if row else None

    def active_config(self, tenant: str) -> dict[str, Any]:
        row = self._conn().execute("SELECT overrides FROM active_config WHERE tenant=?",
                                   (tenant,)).fetchone()
        return json.loads(row[0]) if row else {}

    def update_active_config(self, tenant: str,
                             change: Callable[[dict[str, Any]], dict[str, Any]], who: str,
                             reason: dict[str, Any]) -> dict[str, Any]:
        """Apply ``change`` to the current configuration atomically and record the event
        (two concurrent promotions both land, one after the other)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT overrides FROM active_config WHERE tenant=?",
                               (tenant,)).fetchone()
            new = change(json.loads(row[0]) if row else {})
            conn.execute("INSERT OR REPLACE INTO active_config VALUES (?,?)",
                         (tenant, json.dumps(new)))
            conn.execute("INSERT INTO config_events VALUES (?,?,?,?,?)",
                         (tenant, time.time(), who, "promote",
                          json.dumps({"overrides": new, **reason})))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return new

    def config_history(self, tenant: str) -> list[dict[str, Any]]:
        return [{"at": r[0], "who": r[1], "kind": r[2], **json.loads(r[3])}
                for r in self._conn().execute(
                    "SELECT at, who, kind, data FROM config_events WHERE tenant=? ORDER BY at",
                    (tenant,))]

    def variant_rows(self, tenant: str, exp_id: str) -> list[tuple[str, float, str]]:
        """(variant, latency_ms, summary json) of every trace in the experiment."""
        return self.traces.variant_rows(tenant, exp_id)

    def variant_scores(self, tenant: str, exp_id: str, name: str) -> list[tuple[str, float]]:
        """(variant, value) of every score of that name on the experiment's traces."""
        return self.traces.variant_scores(tenant, exp_id, name)
