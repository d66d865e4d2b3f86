"""Job queues with at-least-once delivery and a dead-letter queue.

Both backends behave the same (a contract test runs against each):

- ``send(job)`` returns a message id; a job is a JSON object with a ``kind``.
- ``receive(max_messages, wait_s)`` hands out messages and hides them for the
  visibility timeout; a message not acknowledged in time is handed out again.
- ``ack(message)`` deletes it. After ``max_receives`` deliveries without an ack the
  message moves to the dead-letter queue (``dead_letters()`` lists them).

Handlers must be idempotent (ingestion is: ids are content hashes).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ragworks.storage.migrations import migrate
from ragworks.storage.sqlite import connect, rollback


@dataclass(frozen=True)
class Message:
    id: str
    job: dict[str, Any]
    receipt: str
    receives: int


class JobQueue(Protocol):
    def send(self, job: dict[str, Any]) -> str: ...

    def receive(self, max_messages: int = 1, wait_s: float = 0) -> list[Message]: ...

    def ack(self, message: Message) -> None: ...

    def dead_letters(self) -> list[dict[str, Any]]: ...

    def depth(self) -> int: ...


def _m001_jobs(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, body TEXT, "
                 "visible_at REAL, receives INTEGER, receipt TEXT, dead INTEGER, sent_at REAL)")
    conn.execute("CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (dead, visible_at)")


MIGRATIONS = [_m001_jobs]  # of the local queue's file; append, never edit


class SQLiteJobQueue:
    """The local queue: a table in a SQLite file (shared by processes on one machine)."""

    def __init__(self, path: str | Path, visibility_s: float = 60, max_receives: int = 3
                 ) -> None:
        self.path, self.visibility_s, self.max_receives = Path(path), visibility_s, max_receives
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect(self.path)
        migrate(self._db, MIGRATIONS)

    def send(self, job: dict[str, Any]) -> str:
        mid = secrets.token_hex(8)
        self._db.execute("INSERT INTO jobs VALUES (?,?,?,?,?,?,?)",
                         (mid, json.dumps(job), 0.0, 0, "", 0, time.time()))
        return mid

    def receive(self, max_messages: int = 1, wait_s: float = 0) -> list[Message]:
        deadline = time.time() + wait_s
        while True:
            out = self._take(max_messages)
            if out or time.time() >= deadline:
                return out
            time.sleep(min(0.2, max(0.0, deadline - time.time())))

    def _take(self, n: int) -> list[Message]:
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # messages delivered max_receives times and not acknowledged: dead letters
            self._db.execute("UPDATE jobs SET dead=1 WHERE dead=0 AND receives>=? AND "
                             "visible_at<=?", (self.max_receives, now))
            rows = self._db.execute("SELECT id, body, receives FROM jobs WHERE dead=0 AND "
                                    "visible_at<=? ORDER BY sent_at LIMIT ?",
                                    (now, n)).fetchall()
            out = []
            for mid, body, receives in rows:
                receipt = secrets.token_hex(8)
                self._db.execute("UPDATE jobs SET visible_at=?, receives=?, receipt=? "
                                 "WHERE id=?", (now + self.visibility_s, receives + 1,
                                                receipt, mid))
                out.append(Message(mid, json.loads(body), receipt, receives + 1))
            self._db.execute("COMMIT")
            return out
        except BaseException:
            rollback(self._db)
            raise

    def ack(self, message: Message) -> None:
        # only the current holder's receipt deletes (a late worker's ack is ignored)
        self._db.execute("DELETE FROM jobs WHERE id=? AND receipt=?",
                         (message.id, message.receipt))

    def dead_letters(self) -> list[dict[str, Any]]:
        self._take(0)  # moves expired, exhausted messages
        return [json.loads(r[0]) for r in self._db.execute(
            "SELECT body FROM jobs WHERE dead=1 ORDER BY sent_at")]

    def depth(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM jobs WHERE dead=0").fetchone()[0])


class SQSJobQueue:
    """Amazon SQS with a redrive policy to a dead-letter queue.

    ``SQSJobQueue("sqs://ragworks-jobs")`` uses queues ``ragworks-jobs`` and
    ``ragworks-jobs-dlq`` (created when missing, for development; Terraform in AWS)."""

    def __init__(self, spec: str, client: Any = None, visibility_s: int = 60,
                 max_receives: int = 3, create: bool = True) -> None:
        name = spec.removeprefix("sqs://").strip("/")
        if not name:
            raise ValueError(f"expected sqs://QUEUE_NAME, not {spec!r}")
        if client is None:
            import boto3

            client = boto3.client("sqs")
        self.sqs, self.name = client, name
        self.visibility_s, self.max_receives = visibility_s, max_receives
        if create:
            self._ensure()
        self.url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        self.dlq_url = self.sqs.get_queue_url(QueueName=f"{name}-dlq")["QueueUrl"]

    def _ensure(self) -> None:
        dlq = self.sqs.create_queue(QueueName=f"{self.name}-dlq")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        self.sqs.create_queue(QueueName=self.name, Attributes={
            "VisibilityTimeout": str(self.visibility_s),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn,
                                         "maxReceiveCount": str(self.max_receives)})})

    def send(self, job: dict[str, Any]) -> str:
        return str(self.sqs.send_message(QueueUrl=self.url,
                                         MessageBody=json.dumps(job))["MessageId"])

    def receive(self, max_messages: int = 1, wait_s: float = 0) -> list[Message]:
        resp = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=max(1, min(10, max_messages)),
            WaitTimeSeconds=int(min(20, wait_s)), MessageSystemAttributeNames=[
                "ApproximateReceiveCount"])
        return [Message(m["MessageId"], json.loads(m["Body"]), m["ReceiptHandle"],
                        int(m.get("Attributes", {}).get("ApproximateReceiveCount", 1)))
                for m in resp.get("Messages", [])]

    def ack(self, message: Message) -> None:
        self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message.receipt)

    def dead_letters(self) -> list[dict[str, Any]]:
        resp = self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10,
                                        VisibilityTimeout=0)
        return [json.loads(m["Body"]) for m in resp.get("Messages", [])]

    def depth(self) -> int:
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])[
            "Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"])

    def check(self) -> dict[str, Any]:
        """For `ragworks doctor`: both queues exist; the redrive policy."""
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["All"])[
            "Attributes"]
        return {"queue": self.url, "dead_letter_queue": self.dlq_url,
                "redrive": json.loads(attrs.get("RedrivePolicy", "{}"))}


def open_job_queue(spec: str, data_dir: Path, visibility_s: int = 60) -> JobQueue:
    if spec.startswith("sqs://"):
        return SQSJobQueue(spec, visibility_s=visibility_s)
    if spec in ("", "local"):
        return SQLiteJobQueue(data_dir / "jobs.db", visibility_s=visibility_s)
    raise ValueError(f"unknown job queue {spec!r} (local or sqs://QUEUE)")
