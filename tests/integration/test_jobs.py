"""One job system: evaluation runs and background uploads are followed at /api/v1/jobs/{id},
on the local queue (worker threads in the server) and on SQS (a separate worker)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import httpx

from ragworks.worker import Worker
from tests.conftest import AWS, CORPUS, LiveServer, make_settings

MINI = {"name": "mini", "items": [{"question": "What does error E102 mean?",
                                   "relevant_sources": ["error-codes.txt"],
                                   "category": "factoid"}]}


def _until_finished(c: httpx.Client, job_id: str, deadline_s: float = 300) -> dict:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        job = c.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_local_jobs_run_in_the_server_and_are_followed_at_one_resource(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        upload = c.post("/api/v1/documents", params={"background": "true"},
                        files={"file": ("error-codes.txt",
                                        (CORPUS / "error-codes.txt").read_bytes())}).json()
        done = _until_finished(c, upload["job_id"])
        assert (done["kind"], done["status"], done["document_id"]) == (
            "ingest", "done", upload["document_id"])
        assert done["result"]["status"] == "created"
        assert c.post("/api/v1/datasets", json=MINI).status_code == 201
        queued = c.post("/api/v1/eval/runs", json={"dataset": "mini"})
        assert queued.status_code == 202 and queued.json()["status"] == "queued"
        run_job = _until_finished(c, queued.json()["id"])
        assert (run_job["status"], run_job["done"], run_job["total"]) == ("done", 1, 1)
        assert c.get(f"/api/v1/eval/runs/{run_job['run_id']}").status_code == 200
        assert c.get(f"/api/v1/eval/jobs/{run_job['id']}").json() == run_job  # the same record
        assert {j["id"] for j in c.get("/api/v1/jobs").json()["jobs"]} >= {
            upload["job_id"], run_job["id"]}

        svc = live.services
        uploader = svc.keys.create("default", ["ingest"], "uploader")
        stranger = svc.keys.create("other", ["admin"], "stranger")
        with live.client(uploader) as u, live.client(stranger) as s, live.client(None) as anon:
            assert u.get(f"/api/v1/jobs/{upload['job_id']}").status_code == 200
            assert u.get(f"/api/v1/jobs/{run_job['id']}").status_code == 403  # admin's job
            assert [j["kind"] for j in u.get("/api/v1/jobs").json()["jobs"]] == ["ingest"]
            assert s.get(f"/api/v1/jobs/{run_job['id']}").status_code == 404  # other tenant
            assert anon.get(f"/api/v1/jobs/{run_job['id']}").status_code == 401
        assert c.get("/api/v1/jobs/job_nope").status_code == 404


def test_a_job_on_sqs_is_followed_while_another_process_works_it(tmp_path: Path,
                                                                 aws: AWS) -> None:
    tag = secrets.token_hex(4)
    settings = make_settings(tmp_path, job_queue=f"sqs://rw-{tag}", alert_interval_s=0,
                             record_store=f"dynamodb://rw-{tag}",
                             trace_store=f"dynamodb://rw-{tag}")
    with LiveServer(settings) as live, live.client() as c:
        live.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                      "error-codes.txt", "default")
        assert c.post("/api/v1/datasets", json=MINI).status_code == 201
        job = c.post("/api/v1/eval/runs", json={"dataset": "mini"}).json()
        assert c.get(f"/api/v1/jobs/{job['id']}").json()["status"] == "queued"
        worker = Worker(live.services, live.services.jobs)  # as `ragworks worker` does
        while worker.run_once(wait_s=1):
            pass
        done = c.get(f"/api/v1/jobs/{job['id']}").json()
        assert (done["status"], done["done"]) == ("done", 1)
        assert c.get(f"/api/v1/eval/runs/{done['run_id']}").json()["aggregates"]["recall@5"] == 1
