"""Evaluation runs and datasets on DynamoDB (the records table): the twins of
``runs.SQLiteRunStore`` and ``datasets.SQLiteDatasetStore``.

Chosen when RAGWORKS_RECORD_STORE is ``dynamodb://...``; a contract test runs both
twins. Items (pk / sk):

- evaluation run: ``T#tenant`` / ``RUN#created_at#id`` plus a lookup ``RUNID#id``; the
  per-item rows are stored zlib-compressed (a run of thousands of items stays far
  under DynamoDB's 400 KB item limit);
- dataset version: ``T#tenant`` / ``DS#name#0000000001``, written with
  ``attribute_not_exists``: two uploads racing for the same next version, one wins and
  the other retries with the version after.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ragworks.errors import Conflict, NotFound
from ragworks.evaluate.datasets import items_from_traces, prepare
from ragworks.evaluate.retrieval import Item
from ragworks.observe.store import TraceStore
from ragworks.storage.dynamodb import DynamoRecordStore, DynamoTable, pack, unpack


class DynamoRunStore:
    def __init__(self, records: DynamoRecordStore) -> None:
        self.dyn = DynamoTable(records)
        self.db, self.table = self.dyn.db, self.dyn.table

    def save(self, run: dict[str, Any]) -> None:
        t = run["tenant"]
        head = {k: v for k, v in run.items() if k != "items"}
        sk = f"RUN#{run['created_at']:017.6f}#{run['id']}"
        self.db.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": {
                "pk": {"S": f"T#{t}"}, "sk": {"S": sk}, "head": {"S": json.dumps(head)},
                "items": pack(run["items"])}}},
            {"Put": {"TableName": self.table, "Item": {
                "pk": {"S": f"T#{t}"}, "sk": {"S": f"RUNID#{run['id']}"},
                "ref": {"S": sk}}}}])

    def get(self, tenant: str, run_id: str) -> dict[str, Any] | None:
        ref = self.dyn.get(f"T#{tenant}", f"RUNID#{run_id}")
        item = self.dyn.get(f"T#{tenant}", ref["ref"]["S"]) if ref else None
        if item is None:
            return None
        return {**json.loads(item["head"]["S"]), "items": unpack(item["items"])}

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [json.loads(i["head"]["S"]) for i in self.dyn.query(f"T#{tenant}", "RUN#",
                                                                newest_first=True)]


class DynamoDatasetStore:
    """Dataset versions on DynamoDB; ``from_traces`` reads the trace store."""

    def __init__(self, records: DynamoRecordStore, traces: TraceStore) -> None:
        self.traces = traces
        self.dyn = DynamoTable(records)

    def save(self, tenant: str, name: str, items: list[dict[str, Any]],
             source: str = "upload") -> dict[str, Any]:
        clean, digest = prepare(name, items)
        for _ in range(10):
            last = self.dyn.query(f"T#{tenant}", f"DS#{name}#", newest_first=True, limit=1)
            if last and last[0]["hash"]["S"] == digest:
                return {"name": name, "version": int(last[0]["version"]["N"]),
                        "items": len(clean), "new": False}
            version = int(last[0]["version"]["N"]) + 1 if last else 1
            try:
                self.dyn.db.put_item(
                    TableName=self.dyn.table, ConditionExpression="attribute_not_exists(pk)",
                    Item={"pk": {"S": f"T#{tenant}"}, "sk": {"S": f"DS#{name}#{version:010d}"},
                          "name": {"S": name}, "version": {"N": str(version)},
                          "hash": {"S": digest}, "source": {"S": source},
                          "created_at": {"N": repr(time.time())}, "count": {"N": str(len(clean))},
                          "items": pack(clean)})
                return {"name": name, "version": version, "items": len(clean), "new": True}
            except self.dyn.db.exceptions.ConditionalCheckFailedException:
                continue  # another upload took this version: look again
        raise Conflict(f"dataset {name!r}: too many concurrent uploads, try again")

    def get(self, tenant: str, name: str, version: int | None = None) -> list[Item]:
        if version is None:
            found = self.dyn.query(f"T#{tenant}", f"DS#{name}#", newest_first=True, limit=1)
            item = found[0] if found else None
        else:
            item = self.dyn.get(f"T#{tenant}", f"DS#{name}#{version:010d}")
        if item is None:
            raise NotFound(f"no dataset {name!r}" + (f" version {version}" if version else ""))
        return [Item(i["question"], tuple(i["relevant_sources"]), i.get("category"),
                     i.get("reference_answer")) for i in unpack(item["items"])]

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [{"name": i["name"]["S"], "version": int(i["version"]["N"]),
                 "source": i["source"]["S"], "created_at": float(i["created_at"]["N"]),
                 "items": int(i["count"]["N"])}
                for i in self.dyn.query(f"T#{tenant}", "DS#")]

    def from_traces(self, tenant: str, name: str, since: float, until: float | None = None,
                    thumbs_down_only: bool = True) -> dict[str, Any]:
        """Items from answered questions, e.g. every thumbs-down of the last week."""
        items = items_from_traces(self.traces, tenant, since, until, thumbs_down_only)
        return self.save(tenant, name, items, source="traces")
