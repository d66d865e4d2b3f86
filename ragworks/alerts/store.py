"""Where alert rules, their states, their history and the evaluator lease live.

``SQLiteAlertStore`` (the trace store's file) and ``DynamoAlertStore`` (the records
table) behave the same; a contract test runs both. The lease is a conditional write
on each: taken when absent, expired, or already ours.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Sequence
from typing import Any, Protocol

from ragworks.storage.dynamodb import DynamoRecordStore
from ragworks.storage.sqlite import SQLiteFile, rollback

FIELDS = ("state", "since", "value", "acked_by", "silenced_until", "updated_at", "samples")


class AlertStore(Protocol):
    def insert(self, tenant: str, rule: dict[str, Any]) -> None: ...

    def seed(self, tenant: str, rules: Sequence[dict[str, Any]]) -> bool:
        """Insert the rules only if the tenant has none (atomically); True if it did."""
        ...

    def get(self, tenant: str, rule_id: str) -> dict[str, Any] | None: ...

    def rules_of(self, tenant: str) -> list[dict[str, Any]]:
        """In creation order."""
        ...

    def all(self) -> list[dict[str, Any]]: ...

    def delete(self, tenant: str, rule_id: str) -> None: ...

    def redefine(self, tenant: str, rule: dict[str, Any]) -> bool:
        """Replace a rule's definition (its state stays); False if it is gone."""
        ...

    def update(self, tenant: str, rule_id: str, **fields: Any) -> None: ...

    def add_event(self, tenant: str, rule_id: str, state: str, value: float | None,
                  message: str) -> None: ...

    def history(self, tenant: str, limit: int = 100,
                rule_id: str | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        ...

    def acquire(self, name: str, owner: str, ttl_s: float, now: float) -> bool: ...

    def release(self, name: str, owner: str) -> None: ...


def _with_state(rule: dict[str, Any], values: Sequence[Any]) -> dict[str, Any]:
    return {**rule, **dict(zip(FIELDS, values, strict=True))}


class SQLiteAlertStore:
    _COLS = "data, " + ", ".join(FIELDS)

    def __init__(self, db: SQLiteFile) -> None:
        self.db = db

    def _conn(self) -> sqlite3.Connection:
        return self.db.conn()

    def _row(self, r: Sequence[Any]) -> dict[str, Any]:
        return _with_state(json.loads(r[0]), r[1:])

    def insert(self, tenant: str, rule: dict[str, Any]) -> None:
        self._conn().execute(
            "INSERT INTO alert_rules (id, tenant, data, updated_at) VALUES (?,?,?,?)",
            (rule["id"], tenant, json.dumps(rule), time.time()))

    def seed(self, tenant: str, rules: Sequence[dict[str, Any]]) -> bool:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            empty = conn.execute("SELECT 1 FROM alert_rules WHERE tenant=? LIMIT 1",
                                 (tenant,)).fetchone() is None
            for rule in rules if empty else ():
                conn.execute("INSERT INTO alert_rules (id, tenant, data, updated_at) "
                             "VALUES (?,?,?,?)", (rule["id"], tenant, json.dumps(rule),
                                                  time.time()))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return empty

    def get(self, tenant: str, rule_id: str) -> dict[str, Any] | None:
        r = self._conn().execute(f"SELECT {self._COLS} FROM alert_rules WHERE tenant=? AND id=?",
                                 (tenant, rule_id)).fetchone()
        return self._row(r) if r else None

    def rules_of(self, tenant: str) -> list[dict[str, Any]]:
        return [self._row(r) for r in self._conn().execute(
            f"SELECT {self._COLS} FROM alert_rules WHERE tenant=? ORDER BY rowid", (tenant,))]

    def all(self) -> list[dict[str, Any]]:
        return [self._row(r) for r in self._conn().execute(
            f"SELECT {self._COLS} FROM alert_rules ORDER BY rowid")]

    def delete(self, tenant: str, rule_id: str) -> None:
        self._conn().execute("DELETE FROM alert_rules WHERE tenant=? AND id=?",
                             (tenant, rule_id))

    def redefine(self, tenant: str, rule: dict[str, Any]) -> bool:
        cur = self._conn().execute("UPDATE alert_rules SET data=? WHERE tenant=? AND id=?",
                                   (json.dumps(rule), tenant, rule["id"]))
        return cur.rowcount == 1

    def update(self, tenant: str, rule_id: str, **fields: Any) -> None:
        cols = [f for f in fields if f in FIELDS]  # fixed names only
        self._conn().execute(
            f"UPDATE alert_rules SET {', '.join(f'{c}=?' for c in cols)} "
            "WHERE tenant=? AND id=?", [*(fields[c] for c in cols), tenant, rule_id])

    def add_event(self, tenant: str, rule_id: str, state: str, value: float | None,
                  message: str) -> None:
        self._conn().execute("INSERT INTO alert_events VALUES (?,?,?,?,?,?)",
                             (tenant, rule_id, time.time(), state, value, message))

    def history(self, tenant: str, limit: int = 100,
                rule_id: str | None = None) -> list[dict[str, Any]]:
        sql, args = ("SELECT rule_id, at, state, value, message FROM alert_events "
                     "WHERE tenant=?", [tenant])
        if rule_id:
            sql += " AND rule_id=?"
            args.append(rule_id)
        rows = self._conn().execute(sql + " ORDER BY at DESC, rowid DESC LIMIT ?",
                                    [*args, limit])
        return [{"rule_id": r[0], "at": r[1], "state": r[2], "value": r[3], "message": r[4]}
                for r in rows]

    def acquire(self, name: str, owner: str, ttl_s: float, now: float) -> bool:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT owner, expires FROM leases WHERE name=?",
                               (name,)).fetchone()
            mine = row is None or row[0] == owner or row[1] < now
            if mine:
                conn.execute("INSERT OR REPLACE INTO leases VALUES (?,?,?)",
                             (name, owner, now + ttl_s))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return mine

    def release(self, name: str, owner: str) -> None:
        self._conn().execute("DELETE FROM leases WHERE name=? AND owner=?", (name, owner))


class DynamoAlertStore:
    """Rules under ``T#tenant`` / ``ALERT#id`` (ordered by a ``created`` attribute),
    events under ``AEV#at#n``, tenants with rules under ``ALERT_TENANTS``, leases under
    ``LEASE`` / name."""

    def __init__(self, records: DynamoRecordStore) -> None:
        self.db, self.table = records.db, records.table

    def _items(self, pk: str, prefix: str, newest_first: bool = False,
               limit: int | None = None) -> list[dict[str, Any]]:
        from ragworks.storage.dynamodb import query_items

        return query_items(self.db, self.table, pk, prefix, newest_first, limit)

    @staticmethod
    def _rule(item: dict[str, Any]) -> dict[str, Any]:
        state = json.loads(item["state"]["S"])
        return _with_state(json.loads(item["data"]["S"]), [state.get(f) for f in FIELDS])

    @staticmethod
    def _key(tenant: str, rule_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"T#{tenant}"}, "sk": {"S": f"ALERT#{rule_id}"}}

    def _put(self, tenant: str, rule: dict[str, Any], n: int = 0) -> dict[str, Any]:
        state = {"state": "ok", "since": 0.0, "value": None, "acked_by": None,
                 "silenced_until": 0.0, "updated_at": time.time(), "samples": None}
        return {"Put": {"TableName": self.table, "Item": {
            **self._key(tenant, rule["id"]), "created": {"S": f"{time.time():017.6f}#{n:04d}"},
            "data": {"S": json.dumps(rule)}, "state": {"S": json.dumps(state)}}}}

    def _tenant_marker(self, tenant: str, condition: bool) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self.table, "Item": {
            "pk": {"S": "ALERT_TENANTS"}, "sk": {"S": tenant}}}
        if condition:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        return {"Put": put}

    def insert(self, tenant: str, rule: dict[str, Any]) -> None:
        self.db.transact_write_items(TransactItems=[
            self._put(tenant, rule), self._tenant_marker(tenant, False)])

    def seed(self, tenant: str, rules: Sequence[dict[str, Any]]) -> bool:
        if self._items(f"T#{tenant}", "ALERT#"):
            return False
        try:  # the marker's condition makes seeding happen once, whoever races
            self.db.transact_write_items(TransactItems=[
                self._tenant_marker(tenant, True),
                *(self._put(tenant, r, n) for n, r in enumerate(rules))])
            return True
        except self.db.exceptions.TransactionCanceledException:
            return False

    def get(self, tenant: str, rule_id: str) -> dict[str, Any] | None:
        item = self.db.get_item(TableName=self.table, Key=self._key(tenant, rule_id),
                                ConsistentRead=True).get("Item")
        return self._rule(item) if item else None

    def rules_of(self, tenant: str) -> list[dict[str, Any]]:
        items = sorted(self._items(f"T#{tenant}", "ALERT#"), key=lambda i: i["created"]["S"])
        return [self._rule(i) for i in items]

    def all(self) -> list[dict[str, Any]]:
        return [r for t in self._items("ALERT_TENANTS", "") for r in self.rules_of(t["sk"]["S"])]

    def delete(self, tenant: str, rule_id: str) -> None:
        self.db.delete_item(TableName=self.table, Key=self._key(tenant, rule_id))

    def redefine(self, tenant: str, rule: dict[str, Any]) -> bool:
        try:
            self.db.update_item(
                TableName=self.table, Key=self._key(tenant, rule["id"]),
                UpdateExpression="SET #d = :d", ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#d": "data"},
                ExpressionAttributeValues={":d": {"S": json.dumps(rule)}})
            return True
        except self.db.exceptions.ConditionalCheckFailedException:
            return False

    def update(self, tenant: str, rule_id: str, **fields: Any) -> None:
        current = self.get(tenant, rule_id)
        if current is None:
            return
        state = {**{f: current[f] for f in FIELDS},
                 **{k: v for k, v in fields.items() if k in FIELDS}}
        try:
            self.db.update_item(
                TableName=self.table, Key=self._key(tenant, rule_id),
                UpdateExpression="SET #s = :s", ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={":s": {"S": json.dumps(state)}})
        except self.db.exceptions.ConditionalCheckFailedException:
            pass  # deleted meanwhile

    def add_event(self, tenant: str, rule_id: str, state: str, value: float | None,
                  message: str) -> None:
        self.db.put_item(TableName=self.table, Item={
            "pk": {"S": f"T#{tenant}"},
            "sk": {"S": f"AEV#{time.time():017.6f}#{secrets.token_hex(3)}"},
            "event": {"S": json.dumps({"rule_id": rule_id, "at": time.time(), "state": state,
                                       "value": value, "message": message})}})

    def history(self, tenant: str, limit: int = 100,
                rule_id: str | None = None) -> list[dict[str, Any]]:
        events = [json.loads(i["event"]["S"]) for i in self._items(
            f"T#{tenant}", "AEV#", newest_first=True, limit=None if rule_id else limit)]
        return [e for e in events if rule_id in (None, e["rule_id"])][:limit]

    def acquire(self, name: str, owner: str, ttl_s: float, now: float) -> bool:
        try:
            self.db.put_item(
                TableName=self.table,
                Item={"pk": {"S": "LEASE"}, "sk": {"S": name}, "owner": {"S": owner},
                      "expires": {"N": repr(now + ttl_s)}},
                ConditionExpression="attribute_not_exists(pk) OR #e < :now OR #o = :me",
                ExpressionAttributeNames={"#e": "expires", "#o": "owner"},
                ExpressionAttributeValues={":now": {"N": repr(now)}, ":me": {"S": owner}})
            return True
        except self.db.exceptions.ConditionalCheckFailedException:
            return False

    def release(self, name: str, owner: str) -> None:
        try:
            self.db.delete_item(TableName=self.table, Key={"pk": {"S": "LEASE"}, "sk": {"S": name}},
                                ConditionExpression="#o = :me",
                                ExpressionAttributeNames={"#o": "owner"},
                                ExpressionAttributeValues={":me": {"S": owner}})
        except self.db.exceptions.ConditionalCheckFailedException:
            pass
