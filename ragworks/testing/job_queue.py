"""The JobQueue contract: every backend of ``JobQueue`` passes these tests.

A backend of your own runs them by subclassing and giving the ``queue`` fixture::

    class TestMyBackend(JobQueueContract):
        @pytest.fixture
        def queue(self, tmp_path):
            yield MyBackend(tmp_path)
"""

from __future__ import annotations

import time

from ragworks.jobs.queue import JobQueue


class JobQueueContract:
    """Tests of any JobQueue; subclasses provide the ``queue`` fixture."""

    def test_send_receive_ack(self, queue: JobQueue) -> None:
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
            self, queue: JobQueue) -> None:
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
