"""JobQueue contract: the same tests on the local SQLite queue and on SQS (moto's server)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.jobs.queue import JobQueue, SQLiteJobQueue, SQSJobQueue
from ragworks.testing.job_queue import JobQueueContract


class TestJobQueue(JobQueueContract):
    @pytest.fixture(params=["local", "sqs"])
    def queue(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobQueue]:
        if request.param == "local":
            yield SQLiteJobQueue(tmp_path / "jobs.db", visibility_s=1, max_receives=2)
        else:
            request.getfixturevalue("aws")
            yield SQSJobQueue(f"sqs://rw-{secrets.token_hex(4)}", visibility_s=1, max_receives=2)


def test_a_stale_receipt_does_not_delete_a_redelivered_job(tmp_path: Path) -> None:
    q = SQLiteJobQueue(tmp_path / "jobs.db", visibility_s=1, max_receives=5)
    q.send({"kind": "alerts"})
    old = q.receive(1)[0]
    time.sleep(1.2)
    new = q.receive(1)[0]
    q.ack(old)  # the first worker finishes late: the second one still owns it
    assert q.depth() == 1
    q.ack(new)
    assert q.depth() == 0
