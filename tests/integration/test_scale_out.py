"""Scale-out on one machine: two API processes and two workers on shared stores.

S3, DynamoDB and SQS on moto's server (documents, traces and feedback in DynamoDB), the
chunk index on PostgreSQL with pgvector. Concurrent background uploads (each
file twice, through both APIs), then concurrent queries and feedback through both:
the same answers as one process, every document once, every feedback kept.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from ragworks.auth import KEY_ID_LEN, hash_key
from ragworks.models import Scope
from tests.conftest import AWS, CORPUS, ROOT, free_port

KEY = "rw_scale_out_admin_key_0123456789"
QUESTIONS = ["What does error E102 mean?", "How long are guest Wi-Fi codes valid?",
             "How many paid vacation days do full-time employees get per year?",
             "How should robot batteries be charged?", "hello there",
             "What is the capital of France?", "Summarize the travel policy"]


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "ragworks.cli", *args], cwd=ROOT,
                                env=env, stdout=out, stderr=out)


def _wait_healthy(apis: list[httpx.Client], log: Path) -> None:
    deadline = time.time() + 90
    for api in apis:
        while True:
            try:
                if api.get("/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline, log.read_text()[-3000:]
            time.sleep(0.3)


def test_two_apis_and_two_workers_agree_and_lose_nothing(tmp_path: Path, aws: AWS,
                                                          postgres: str) -> None:
    from ragworks.services import Services
    from ragworks.settings import Settings

    tag = secrets.token_hex(4)
    aws.client("s3").create_bucket(Bucket=f"rw-{tag}")
    env = {**os.environ, **aws.env(), "RAGWORKS_ENV": "test", "RAGWORKS_LLM": "extractive",
           "RAGWORKS_DATA_DIR": str(tmp_path / "shared"),
           "RAGWORKS_BLOB_STORE": f"s3://rw-{tag}/docs",
           "RAGWORKS_RECORD_STORE": f"dynamodb://rw-{tag}",
           "RAGWORKS_TRACE_STORE": f"dynamodb://rw-{tag}",
           "RAGWORKS_JOB_QUEUE": f"sqs://rw-{tag}", "RAGWORKS_JOB_VISIBILITY_S": "30",
           "RAGWORKS_CHUNK_INDEX": postgres, "RAGWORKS_BOOTSTRAP_API_KEY": KEY,
           "RAGWORKS_ALERT_INTERVAL_S": "0"}
    settings = Settings(**{k.removeprefix("RAGWORKS_").lower(): v for k, v in env.items()
                           if k.startswith("RAGWORKS_")})
    reference = Services(settings)  # "one process": the same stores, in this process
    # the table and the queues exist before the fleet starts (Terraform's job in AWS)
    assert reference.records.count_documents("default") == 0 and reference.jobs.depth() == 0
    log = tmp_path / "fleet.log"
    ports = [free_port(), free_port()]
    procs = [_spawn(["serve", "--port", str(p)], env, log) for p in ports]
    procs += [_spawn(["worker"], env, log) for _ in range(2)]
    apis: list[httpx.Client] = []
    try:
        apis += [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=60,
                             headers={"Authorization": f"Bearer {KEY}"}) for p in ports]
        _wait_healthy(apis, log)
        files = sorted(CORPUS.iterdir())

        def upload(job: tuple[int, Path]) -> int:
            n, f = job
            api = apis[n % 2]
            return api.post("/api/v1/documents", params={"background": "true"},
                            files={"file": (f.name, f.read_bytes())}).status_code

        with ThreadPoolExecutor(8) as pool:  # every file twice, through both APIs
            codes = list(pool.map(upload, enumerate(files + files)))
        assert codes == [202] * (2 * len(files))
        deadline = time.time() + 240
        while reference.records.count_documents("default") < len(files) or \
                reference.jobs.depth() > 0:
            assert time.time() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        docs = reference.records.list_documents("default", limit=500)
        assert len(docs) == len({d.id for d in docs}) == len(files)  # once each
        assert reference.index.count("default") == sum(d.chunk_count for d in docs)
        assert reference.jobs.dead_letters() == []

        def ask(job: tuple[int, str]) -> dict:
            n, q = job
            return apis[n % 2].post("/api/v1/query", json={"question": q,
                                                           "user_id": f"u{n}"}).json()

        jobs = [(n, q) for n in range(4) for q in QUESTIONS]
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(ask, jobs))
        for (_, q), a in zip(jobs, answers, strict=True):
            one = reference.pipeline.run(q, Scope(tenant="default"))
            assert (a["answer"], [c["source"] for c in a["citations"]]) == (
                one.answer, [c.source for c in one.citations]), q

        def rate(job: tuple[int, dict]) -> int:
            n, a = job
            return apis[(n + 1) % 2].post("/api/v1/feedback", json={
                "trace_id": a["trace_id"], "rating": "up" if n % 3 else "down",
                "user_id": f"u{n}"}).status_code

        with ThreadPoolExecutor(6) as pool:
            assert set(pool.map(rate, enumerate(answers))) == {201}
        author = f"key:{hash_key(KEY)[:KEY_ID_LEN]}"  # feedback is stored under the key's id
        stored = [reference.traces.get_feedback("default", a["trace_id"], f"{author}/u{n}")
                  for n, a in enumerate(answers)]
        assert all(fb is not None for fb in stored)
        assert sum(fb["rating"] == 0.0 for fb in stored) == len(answers[::3])
        assert len(reference.traces.recent_feedback("default", limit=100)) == len(answers)
    finally:
        for api in apis:
            api.close()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(20)
        reference.close()
