"""Experiments and the active configuration on DynamoDB (the records table): the twin of
``store.SQLiteExperimentStore``.

Items (pk / sk): experiment ``T#tenant`` / ``EXP#id``; active configuration ``T#tenant`` /
``ACTIVE`` with a version number. A promotion is a transaction (the new configuration
under ``version = expected`` and an event ``CFG#at``), retried on a lost race, so
concurrent promotions never lose one. Experiment results read traces from the trace store.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ragworks.errors import Conflict
from ragworks.observe.store import TraceStore
from ragworks.storage.dynamodb import DynamoRecordStore, DynamoTable


class DynamoExperimentStore:
    """Experiments and the active configuration on DynamoDB; results read the traces."""

    def __init__(self, records: DynamoRecordStore, traces: TraceStore) -> None:
        self.traces = traces
        self.dyn = DynamoTable(records)

    def save(self, tenant: str, exp: dict[str, Any]) -> None:
        self.dyn.db.put_item(TableName=self.dyn.table, Item={
            "pk": {"S": f"T#{tenant}"}, "sk": {"S": f"EXP#{exp['id']}"},
            "data": {"S": json.dumps(exp)}})

    def get(self, tenant: str, exp_id: str) -> dict[str, Any] | None:
        item = self.dyn.get(f"T#{tenant}", f"EXP#{exp_id}")
        return json.loads(item["data"]["S"]) if item else None

    def all(self, tenant: str) -> list[dict[str, Any]]:
        exps = [json.loads(i["data"]["S"]) for i in self.dyn.query(f"T#{tenant}", "EXP#")]
        return sorted(exps, key=lambda e: -e["created_at"])

    def running(self, tenant: str) -> dict[str, Any] | None:
        running = [e for e in self.all(tenant) if e["status"] == "running"]
        return min(running, key=lambda e: e["created_at"]) if running else None

    def _active(self, tenant: str) -> tuple[dict[str, Any], int]:
        item = self.dyn.get(f"T#{tenant}", "ACTIVE")
        if item is None:
            return {}, 0
        return json.loads(item["overrides"]["S"]), int(item["version"]["N"])

    def active_config(self, tenant: str) -> dict[str, Any]:
        return self._active(tenant)[0]

    def update_active_config(self, tenant: str,
                             change: Callable[[dict[str, Any]], dict[str, Any]], who: str,
                             reason: dict[str, Any]) -> dict[str, Any]:
        for _ in range(10):
            current, version = self._active(tenant)
            new = change(current)
            condition = ("attribute_not_exists(pk)" if version == 0
                         else "version = :v")
            values = {} if version == 0 else {":v": {"N": str(version)}}
            now = time.time()
            try:
                self.dyn.db.transact_write_items(TransactItems=[
                    {"Put": {"TableName": self.dyn.table, "Item": {
                        "pk": {"S": f"T#{tenant}"}, "sk": {"S": "ACTIVE"},
                        "overrides": {"S": json.dumps(new)},
                        "version": {"N": str(version + 1)}},
                        "ConditionExpression": condition,
                        **({"ExpressionAttributeValues": values} if values else {})}},
                    {"Put": {"TableName": self.dyn.table, "Item": {
                        "pk": {"S": f"T#{tenant}"}, "sk": {"S": f"CFG#{now:017.6f}#{version + 1}"},
                        "at": {"N": repr(now)}, "who": {"S": who}, "kind": {"S": "promote"},
                        "data": {"S": json.dumps({"overrides": new, **reason})}}}}])
                return new
            except self.dyn.db.exceptions.TransactionCanceledException:
                continue  # another promotion won this version: merge onto it
        raise Conflict("too many concurrent promotions, try again")

    def config_history(self, tenant: str) -> list[dict[str, Any]]:
        return [{"at": float(i["at"]["N"]), "who": i["who"]["S"], "kind": i["kind"]["S"],
                 **json.loads(i["data"]["S"])} for i in self.dyn.query(f"T#{tenant}", "CFG#")]

    def variant_rows(self, tenant: str, exp_id: str) -> list[tuple[str, float, str]]:
        """(variant, latency_ms, summary json) of every trace in the experiment."""
        return self.traces.variant_rows(tenant, exp_id)

    def variant_scores(self, tenant: str, exp_id: str, name: str) -> list[tuple[str, float]]:
        """(variant, value) of every score of that name on the experiment's traces."""
        return self.traces.variant_scores(tenant, exp_id, name)
