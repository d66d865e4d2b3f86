"""JobQueue contract: the same tests on the local SQLite queue and on SQS (moto's server)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.jobs.queue import JobQueue, SQLiteJobQueue, SQSJobQueue


@pytest.fixture(params=["local", "sqs"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobQueue]:
    if request.param == "local":
        yield SQLiteJobQueue(tmp_path / "jobs.db", visibility_s=1, max_receives=2)
    else:
        request.getfixturevalue("aws")
        yield SQSJobQueue(f"sqs://rw-{secrets.token_hex(4)}", visibility_s=1, max_receives=2)


def test_send_receive_ack(queue: JobQueue) -> None:
    assert queue.receive(1) == []
    ids = [queue.send({"kind": "ingest", "n": n}) for n in range(3)]
    assert len(set(ids)) == 3
    got = queue.receive(10, wait_s=1)
    while len(got) < 3:  # SQS may hand out fewer than asked
        got += queue.receive(10, wait_s=1)
    assert sorted(m.job["n"] for m in got) == [0, 1, 2]
    assert all(m.receives == 1 for m in got)
    assert queue.receive(10) == []  # in flight: invisible
    for m in got:
        queue.ack(m)
    time.sleep(1.2)
    assert queue.receive(10) == [] and queue.depth() == 0


def test_unacknowledged_jobs_come_back_then_go_to_the_dead_letter_queue(
        queue: JobQueue) -> None:
    queue.send({"kind": "alerts"})
    first = queue.receive(1, wait_s=1)
    assert len(first) == 1 and first[0].receives == 1
    time.sleep(1.3)  # the visibility timeout passes: handed out again
    second = queue.receive(1, wait_s=2)
    assert len(second) == 1 and second[0].id == first[0].id and second[0].receives == 2
    time.sleep(1.3)
    assert queue.receive(1, wait_s=1) == []  # received twice, never acknowledged
    assert queue.dead_letters() == [{"kind": "alerts"}]
    assert queue.depth() == 0


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
