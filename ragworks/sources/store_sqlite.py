"""Sources in the records file: ``sources`` (one JSON row each) and ``source_items``."""

from __future__ import annotations

import json
from typing import Any

from ragworks.storage.sqlite import SQLiteFile, merge_json, rollback


class SQLiteSourceStore:
    def __init__(self, db: SQLiteFile) -> None:
        self.db = db

    def create(self, source: dict[str, Any]) -> None:
        self.db.conn().execute("INSERT INTO sources (id, tenant, created_at, data) "
                               "VALUES (?,?,?,?)", (source["id"], source["tenant"],
                                                    source["created_at"], json.dumps(source)))

    def get(self, tenant: str, source_id: str) -> dict[str, Any] | None:
        row = self.db.conn().execute("SELECT data FROM sources WHERE tenant=? AND id=?",
                                     (tenant, source_id)).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, tenant: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT data FROM sources", []
        if tenant is not None:
            sql, args = sql + " WHERE tenant=?", [tenant]
        return [json.loads(r[0]) for r in self.db.conn().execute(
            sql + " ORDER BY created_at, id", args)]

    def update(self, tenant: str, source_id: str, **fields: Any) -> None:
        merge_json(self.db.conn(), "sources", tenant, source_id, fields)

    def delete(self, tenant: str, source_id: str) -> None:
        conn = self.db.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("DELETE FROM sources WHERE tenant=? AND id=?",
                            (tenant, source_id)).rowcount:
                conn.execute("DELETE FROM source_items WHERE source_id=?", (source_id,))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise

    def items(self, source_id: str) -> dict[str, dict[str, Any]]:
        return {r[0]: json.loads(r[1]) for r in self.db.conn().execute(
            "SELECT key, data FROM source_items WHERE source_id=?", (source_id,))}

    def put_item(self, source_id: str, item: dict[str, Any]) -> None:
        self.db.conn().execute("INSERT OR REPLACE INTO source_items VALUES (?,?,?)",
                               (source_id, item["key"], json.dumps(item)))

    def drop_item(self, source_id: str, key: str) -> None:
        self.db.conn().execute("DELETE FROM source_items WHERE source_id=? AND key=?",
                               (source_id, key))

    def acquire(self, tenant: str, source_id: str, owner: str, ttl_s: float,
                now: float) -> bool:
        conn = self.db.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT lease_owner, lease_until FROM sources "
                               "WHERE tenant=? AND id=?", (tenant, source_id)).fetchone()
            mine = row is not None and (row[0] in (None, owner) or row[1] < now)
            if mine:
                conn.execute("UPDATE sources SET lease_owner=?, lease_until=? WHERE id=?",
                             (owner, now + ttl_s, source_id))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return mine

    def release(self, tenant: str, source_id: str, owner: str) -> None:
        self.db.conn().execute("UPDATE sources SET lease_owner=NULL, lease_until=0 "
                               "WHERE tenant=? AND id=? AND lease_owner=?",
                               (tenant, source_id, owner))
