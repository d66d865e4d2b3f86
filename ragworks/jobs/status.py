"""What became of a job: one record per job, whichever queue carried it.

    status.create({"id": "job_1", "tenant": "acme", "kind": "eval_run", "status": "queued",
                   "done": 0, "total": 40, ...})
    status.update("acme", "job_1", status="running", done=3)
    status.get("acme", "job_1")

Twins with the same signatures: ``SQLiteJobStatus`` (the records file) and
``DynamoJobStatus`` (the records table: ``T#tenant`` / ``JOB#id``). The queue carries the
work (SQLite locally, SQS on AWS); this record is what ``GET /api/v1/jobs/{id}`` reads,
so a job started on one process is followed from any other.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from ragworks.storage.dynamodb import DynamoRecordStore, DynamoTable
from ragworks.storage.sqlite import SQLiteFile, merge_json


class JobStatus(Protocol):
    def create(self, job: dict[str, Any]) -> None: ...

    def update(self, tenant: str, job_id: str, **fields: Any) -> None:
        """Merge ``fields`` into the job's record (a missing job is left missing)."""

    def get(self, tenant: str, job_id: str) -> dict[str, Any] | None: ...

    def all(self, tenant: str, limit: int = 100) -> list[dict[str, Any]]:
        """The tenant's latest jobs, newest first."""
        ...


class SQLiteJobStatus:
    def __init__(self, db: SQLiteFile) -> None:
        self.db = db

    def create(self, job: dict[str, Any]) -> None:
        self.db.conn().execute("INSERT INTO job_status VALUES (?,?,?,?,?)",
                               (job["id"], job["tenant"], job["kind"], job["submitted_at"],
                                json.dumps(job)))

    def update(self, tenant: str, job_id: str, **fields: Any) -> None:
        merge_json(self.db.conn(), "job_status", tenant, job_id, fields)

    def get(self, tenant: str, job_id: str) -> dict[str, Any] | None:
        row = self.db.conn().execute("SELECT data FROM job_status WHERE tenant=? AND id=?",
                                     (tenant, job_id)).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, tenant: str, limit: int = 100) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.db.conn().execute(
            "SELECT data FROM job_status WHERE tenant=? ORDER BY submitted_at DESC LIMIT ?",
            (tenant, limit))]


class DynamoJobStatus:
    def __init__(self, records: DynamoRecordStore) -> None:
        self.dyn = DynamoTable(records)

    def _key(self, tenant: str, job_id: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": f"T#{tenant}"}, "sk": {"S": f"JOB#{job_id}"}}

    def create(self, job: dict[str, Any]) -> None:
        self.dyn.db.put_item(TableName=self.dyn.table, Item={
            **self._key(job["tenant"], job["id"]), "data": {"S": json.dumps(job)},
            "at": {"N": repr(job["submitted_at"])}})

    def update(self, tenant: str, job_id: str, **fields: Any) -> None:
        self.dyn.merge(f"T#{tenant}", f"JOB#{job_id}", fields)

    def get(self, tenant: str, job_id: str) -> dict[str, Any] | None:
        item = self.dyn.get(f"T#{tenant}", f"JOB#{job_id}")
        return json.loads(item["data"]["S"]) if item else None

    def all(self, tenant: str, limit: int = 100) -> list[dict[str, Any]]:
        jobs = [json.loads(i["data"]["S"]) for i in self.dyn.query(f"T#{tenant}", "JOB#")]
        return sorted(jobs, key=lambda j: -j["submitted_at"])[:limit]
