"""Sources in the records table: each under ``T#tenant`` / ``SRC#id`` (with its lease as
two attributes), the tenants that have any under ``SOURCE_TENANTS``, and a source's items
in their own partition ``SRCI#id`` (sort key: the item's key, hashed past 1,000 bytes)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ragworks.storage.dynamodb import DynamoRecordStore, DynamoTable


def _item_sk(key: str) -> str:
    raw = key.encode()
    return key if len(raw) <= 1000 else "#" + hashlib.sha256(raw).hexdigest()


class DynamoSourceStore:
    def __init__(self, records: DynamoRecordStore) -> None:
        self.dyn = DynamoTable(records)
        self.db, self.table = records.db, records.table

    @staticmethod
    def _key(tenant: str, source_id: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": f"T#{tenant}"}, "sk": {"S": f"SRC#{source_id}"}}

    def create(self, source: dict[str, Any]) -> None:
        self.db.transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table, "Item": {
                **self._key(source["tenant"], source["id"]),
                "created": {"S": f"{source['created_at']:017.6f}"},
                "data": {"S": json.dumps(source)}, "lease_until": {"N": "0"}}}},
            {"Put": {"TableName": self.table, "Item": {
                "pk": {"S": "SOURCE_TENANTS"}, "sk": {"S": source["tenant"]}}}}])

    def get(self, tenant: str, source_id: str) -> dict[str, Any] | None:
        item = self.dyn.get(f"T#{tenant}", f"SRC#{source_id}")
        return json.loads(item["data"]["S"]) if item else None

    def all(self, tenant: str | None = None) -> list[dict[str, Any]]:
        tenants = ([tenant] if tenant is not None
                   else [t["sk"]["S"] for t in self.dyn.query("SOURCE_TENANTS", "")])
        out = []
        for t in tenants:
            items = sorted(self.dyn.query(f"T#{t}", "SRC#"), key=lambda i: i["created"]["S"])
            out += [json.loads(i["data"]["S"]) for i in items]
        return out

    def update(self, tenant: str, source_id: str, **fields: Any) -> None:
        self.dyn.merge(f"T#{tenant}", f"SRC#{source_id}", fields)

    def delete(self, tenant: str, source_id: str) -> None:
        self.db.delete_item(TableName=self.table, Key=self._key(tenant, source_id))
        for item in self.dyn.query(f"SRCI#{source_id}", ""):
            self.db.delete_item(TableName=self.table,
                                Key={"pk": item["pk"], "sk": item["sk"]})

    def items(self, source_id: str) -> dict[str, dict[str, Any]]:
        found = (json.loads(i["data"]["S"]) for i in self.dyn.query(f"SRCI#{source_id}", ""))
        return {i["key"]: i for i in found}

    def put_item(self, source_id: str, item: dict[str, Any]) -> None:
        self.db.put_item(TableName=self.table, Item={
            "pk": {"S": f"SRCI#{source_id}"}, "sk": {"S": _item_sk(item["key"])},
            "data": {"S": json.dumps(item)}})

    def drop_item(self, source_id: str, key: str) -> None:
        self.db.delete_item(TableName=self.table, Key={
            "pk": {"S": f"SRCI#{source_id}"}, "sk": {"S": _item_sk(key)}})

    def acquire(self, tenant: str, source_id: str, owner: str, ttl_s: float,
                now: float) -> bool:
        try:
            self.db.update_item(
                TableName=self.table, Key=self._key(tenant, source_id),
                UpdateExpression="SET lease_owner = :o, lease_until = :u",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists("
                                    "lease_owner) OR lease_owner = :o OR lease_until < :now)",
                ExpressionAttributeValues={":o": {"S": owner},
                                           ":u": {"N": repr(now + ttl_s)},
                                           ":now": {"N": repr(now)}})
            return True
        except self.db.exceptions.ConditionalCheckFailedException:
            return False

    def release(self, tenant: str, source_id: str, owner: str) -> None:
        try:
            self.db.update_item(
                TableName=self.table, Key=self._key(tenant, source_id),
                UpdateExpression="REMOVE lease_owner SET lease_until = :z",
                ConditionExpression="lease_owner = :o",
                ExpressionAttributeValues={":o": {"S": owner}, ":z": {"N": "0"}})
        except self.db.exceptions.ConditionalCheckFailedException:
            pass  # taken over after it expired, or the source was deleted

