"""Evaluation runs, datasets and experiments on DynamoDB (the records table).

Chosen when RAGWORKS_RECORD_STORE is ``dynamodb://...``; the same behaviour as the
SQLite versions (a contract test runs both). Items (pk / sk):

- evaluation run: ``T#tenant`` / ``RUN#created_at#id`` plus a lookup ``RUNID#id``; the
  per-item rows are stored zlib-compressed (a run of thousands of items stays far
  under DynamoDB's 400 KB item limit);
- dataset version: ``T#tenant`` / ``DS#name#0000000001``, written with
  ``attribute_not_exists``: two uploads racing for the same next version, one wins and
  the other retries with the version after;
- experiment: ``T#tenant`` / ``EXP#id``;
- active configuration: ``T#tenant`` / ``ACTIVE`` with a version number; a promotion
  is a transaction (the new configuration under ``version = expected`` and an event
  ``CFG#at``), retried on a lost race, so concurrent promotions never lose one.
Experiment results still read traces from the trace store.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable
from typing import Any

from ragworks.errors import Conflict, NotFound
from ragworks.evaluate.datasets import DatasetStore
from ragworks.evaluate.retrieval import Item
from ragworks.experiments.store import ExperimentStore
from ragworks.storage.dynamodb import DynamoRecordStore, query_items


def _pack(value: Any) -> dict[str, bytes]:
    return {"B": zlib.compress(json.dumps(value).encode())}  # boto3 base64-encodes binaries


def _unpack(attr: dict[str, Any]) -> Any:
    return json.loads(zlib.decompress(attr["B"]))


class _Dynamo:
    def __init__(self, records: DynamoRecordStore) -> None:
        self.db, self.table = records.db, records.table

    def _query(self, pk: str, prefix: str, newest_first: bool = False,
               limit: int | None = None) -> list[dict[str, Any]]:
        return query_items(self.db, self.table, pk, prefix, newest_first, limit)

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        return self.db.get_item(TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                                ConsistentRead=True).get("Item")


class DynamoRunStore(_Dynamo):
    def save(self, run: dict[str, Any]) -> None:
        t = run["tenant"]
        head = {k: v for k, v in run.items() if k != "items"}
        sk = f"RUN#{run['created_at']:017.6f}#{run['id']}"
        self.db.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": {
                "pk": {"S": f"T#{t}"}, "sk": {"S": sk}, "head": {"S": json.dumps(head)},
                "items": _pack(run["items"])}}},
            {"Put": {"TableName": self.table, "Item": {
                "pk": {"S": f"T#{t}"}, "sk": {"S": f"RUNID#{run['id']}"},
                "ref": {"S": sk}}}}])

    def get(self, tenant: str, run_id: str) -> dict[str, Any] | None:
        ref = self._get(f"T#{tenant}", f"RUNID#{run_id}")
        item = self._get(f"T#{tenant}", ref["ref"]["S"]) if ref else None
        if item is None:
            return None
        return {**json.loads(item["head"]["S"]), "items": _unpack(item["items"])}

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [json.loads(i["head"]["S"]) for i in self._query(f"T#{tenant}", "RUN#",
                                                                newest_first=True)]


class DynamoDatasetStore(DatasetStore):
    """Dataset versions on DynamoDB; ``from_traces`` still reads the trace store."""

    def __init__(self, traces: Any, records: DynamoRecordStore) -> None:
        super().__init__(traces)
        self.dyn = _Dynamo(records)

    def save(self, tenant: str, name: str, items: list[dict[str, Any]],
             source: str = "upload") -> dict[str, Any]:
        clean, digest = self.prepare(name, items)
        for _ in range(10):
            last = self.dyn._query(f"T#{tenant}", f"DS#{name}#", newest_first=True, limit=1)
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
                          "items": _pack(clean)})
                return {"name": name, "version": version, "items": len(clean), "new": True}
            except self.dyn.db.exceptions.ConditionalCheckFailedException:
                continue  # another upload took this version: look again
        raise Conflict(f"dataset {name!r}: too many concurrent uploads, try again")

    def get(self, tenant: str, name: str, version: int | None = None) -> list[Item]:
        if version is None:
            found = self.dyn._query(f"T#{tenant}", f"DS#{name}#", newest_first=True, limit=1)
            item = found[0] if found else None
        else:
            item = self.dyn._get(f"T#{tenant}", f"DS#{name}#{version:010d}")
        if item is None:
            raise NotFound(f"no dataset {name!r}" + (f" version {version}" if version else ""))
        return [Item(i["question"], tuple(i["relevant_sources"]), i.get("category"),
                     i.get("reference_answer")) for i in _unpack(item["items"])]

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [{"name": i["name"]["S"], "version": int(i["version"]["N"]),
                 "source": i["source"]["S"], "created_at": float(i["created_at"]["N"]),
                 "items": int(i["count"]["N"])}
                for i in self.dyn._query(f"T#{tenant}", "DS#")]


class DynamoExperimentStore(ExperimentStore):
    """Experiments and the active configuration on DynamoDB; results read the traces."""

    def __init__(self, traces: Any, records: DynamoRecordStore) -> None:
        super().__init__(traces)
        self.dyn = _Dynamo(records)

    def save(self, tenant: str, exp: dict[str, Any]) -> None:
        self.dyn.db.put_item(TableName=self.dyn.table, Item={
            "pk": {"S": f"T#{tenant}"}, "sk": {"S": f"EXP#{exp['id']}"},
            "data": {"S": json.dumps(exp)}})

    def get(self, tenant: str, exp_id: str) -> dict[str, Any] | None:
        item = self.dyn._get(f"T#{tenant}", f"EXP#{exp_id}")
        return json.loads(item["data"]["S"]) if item else None

    def all(self, tenant: str) -> list[dict[str, Any]]:
        exps = [json.loads(i["data"]["S"]) for i in self.dyn._query(f"T#{tenant}", "EXP#")]
        return sorted(exps, key=lambda e: -e["created_at"])

    def running(self, tenant: str) -> dict[str, Any] | None:
        running = [e for e in self.all(tenant) if e["status"] == "running"]
        return min(running, key=lambda e: e["created_at"]) if running else None

    def _active(self, tenant: str) -> tuple[dict[str, Any], int]:
        item = self.dyn._get(f"T#{tenant}", "ACTIVE")
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
                 **json.loads(i["data"]["S"])} for i in self.dyn._query(f"T#{tenant}", "CFG#")]
