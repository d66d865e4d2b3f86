"""Background ingestion: the API queues, `ragworks worker` processes ingest them.

The second test runs the AWS path end to end in real processes: S3, DynamoDB and SQS
on moto's server, a worker killed with SIGKILL in the middle of a job, and another
worker that picks the job up again: one document, nothing lost, nothing twice.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from ragworks.models import content_hash
from ragworks.worker import Worker
from tests.conftest import AWS, CORPUS, ROOT, LiveServer, make_settings


def test_background_upload_is_ingested_by_the_worker(tmp_path: Path) -> None:
    # no job workers in the server: this test is the `ragworks worker` side
    with LiveServer(make_settings(tmp_path, worker_threads=0)) as live, live.client() as c:
        data = (CORPUS / "error-codes.txt").read_bytes()
        resp = c.post("/api/v1/documents", params={"background": "true"},
                      files={"file": ("error-codes.txt", data)})
        assert resp.status_code == 202, resp.text
        body = resp.json()
        assert body["document_id"] == content_hash("default", "default", data)
        assert c.get(f"/api/v1/documents/{body['document_id']}").status_code == 404
        for name, payload, status in (("empty.txt", b"", 422),
                                      ("fake.pdf", b"plain text, not a pdf", 415)):
            bad = c.post("/api/v1/documents", params={"background": "true"},
                         files={"file": (name, payload)})
            assert bad.status_code == status, bad.text
        worker = Worker(live.services, live.services.jobs)
        assert worker.run_once(wait_s=0.5) == 1 and worker.done == 1
        doc = c.get(f"/api/v1/documents/{body['document_id']}")
        assert doc.status_code == 200 and doc.json()["document"]["chunk_count"] > 0
        assert live.services.jobs.depth() == 0
        assert not live.services.blobs.exists(f"uploads/default/{body['document_id']}")
        # the same file queued twice: one document
        for _ in range(2):
            c.post("/api/v1/documents", params={"background": "true"},
                   files={"file": ("error-codes.txt", data)})
        while worker.run_once(wait_s=0.2):
            pass
        assert c.get("/api/v1/documents").json()["total"] == 1


def _worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "ragworks.cli", "worker", *args],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=out)


def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(
        tmp_path: Path, aws: AWS) -> None:
    from ragworks.services import Services

    tag = secrets.token_hex(4)
    bucket = f"rw-{tag}"
    aws.client("s3").create_bucket(Bucket=bucket)
    env = {**os.environ, **aws.env(), "RAGWORKS_ENV": "test", "RAGWORKS_DATA_DIR": str(tmp_path),
           "RAGWORKS_BLOB_STORE": f"s3://{bucket}/docs",
           "RAGWORKS_RECORD_STORE": f"dynamodb://rw-{tag}",
           "RAGWORKS_JOB_QUEUE": f"sqs://rw-{tag}", "RAGWORKS_JOB_VISIBILITY_S": "4",
           "RAGWORKS_BOOTSTRAP_API_KEY": "rw_test_admin_key"}
    settings = make_settings(tmp_path, blob_store=env["RAGWORKS_BLOB_STORE"],
                             record_store=env["RAGWORKS_RECORD_STORE"],
                             job_queue=env["RAGWORKS_JOB_QUEUE"], job_visibility_s=4)
    svc = Services(settings)
    try:
        # a long document: embedding it takes a few seconds on 2 cores
        text = "\n\n".join(f"## Part {i}\n" + (CORPUS / "error-codes.txt").read_text()
                           .replace("E1", f"E{i}") for i in range(150))
        svc.blobs.put(f"uploads/default/{tag}", text.encode())
        svc.jobs.send({"kind": "ingest", "blob": f"uploads/default/{tag}",
                       "filename": "long.md", "tenant": "default", "collection": "default"})
        log = tmp_path / "workers.log"
        first = _worker(env, log)
        deadline = time.time() + 60
        sqs = aws.client("sqs")
        url = sqs.get_queue_url(QueueName=f"rw-{tag}")["QueueUrl"]
        while time.time() < deadline:  # wait until the worker holds the job
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            if int(attrs["ApproximateNumberOfMessagesNotVisible"]) == 1:
                break
            time.sleep(0.05)
        time.sleep(0.3)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert svc.records.count_documents("default") == 0  # killed before it finished
        second = _worker(env, log, "--max-jobs", "1")
        assert second.wait(120) == 0, log.read_text()[-2000:]
        assert svc.records.count_documents("default") == 1, log.read_text()[-2000:]
        doc = svc.records.list_documents("default")[0]
        assert len(svc.index.chunks_of("default", doc.id)) == doc.chunk_count
        assert svc.jobs.depth() == 0 and svc.jobs.dead_letters() == []
        assert not svc.blobs.exists(f"uploads/default/{tag}")
    finally:
        svc.close()


def test_evaluation_runs_and_alert_passes_go_through_sqs(tmp_path: Path, aws: AWS) -> None:
    tag = secrets.token_hex(4)
    settings = make_settings(tmp_path, job_queue=f"sqs://rw-{tag}",
                             record_store=f"dynamodb://rw-{tag}",
                             trace_store=f"dynamodb://rw-{tag}", alert_interval_s=0)
    with LiveServer(settings) as live, live.client() as c:
        live.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                      "error-codes.txt", "default")
        c.post("/api/v1/datasets", json={"name": "mini", "items": [
            {"question": "What does error E102 mean?", "relevant_sources": ["error-codes.txt"],
             "category": "factoid"}]})
        queued = c.post("/api/v1/eval/runs", json={"dataset": "mini"})
        assert queued.status_code == 202 and queued.json()["queue"].startswith("sqs://")
        assert c.get("/api/v1/eval/runs").json()["runs"] == []  # not run in the API process
        live.services.jobs.send({"kind": "alerts"})  # as the scheduler does every minute
        worker = Worker(live.services, live.services.jobs)
        while worker.run_once(wait_s=1):
            pass
        assert worker.done == 2 and worker.failed == 0
        runs = c.get("/api/v1/eval/runs").json()["runs"]
        assert len(runs) == 1 and runs[0]["aggregates"]["recall@5"] == 1.0
        assert len(c.get("/api/v1/alerts").json()["rules"]) == 7
