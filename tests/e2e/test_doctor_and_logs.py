"""`ragworks doctor` against a loopback receiver, and production JSON logs from `serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ragworks.observe.receiver import Receiver
from tests.conftest import free_port

BIN = Path(sys.executable).parent / "ragworks"


def doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), "doctor"], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)


def test_doctor_passes_fails_and_says_why(tmp_path: Path) -> None:
    base = {"RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_LLM": "extractive"}
    with Receiver() as rx:
        good = doctor({**base, "LANGFUSE_PUBLIC_KEY": "pk", "LANGFUSE_SECRET_KEY": "sk",
                       "LANGFUSE_HOST": rx.url, "OTEL_EXPORTER_OTLP_ENDPOINT": rx.url})
        assert good.returncode == 0, good.stdout
        assert "ok  langfuse" in good.stdout and "ok  otlp" in good.stdout
        rx.mode = "fail"
        bad = doctor({**base, "LANGFUSE_PUBLIC_KEY": "pk", "LANGFUSE_SECRET_KEY": "sk",
                      "LANGFUSE_HOST": rx.url})
        assert bad.returncode == 1 and "FAIL  langfuse" in bad.stdout
    partial = doctor({**base, "LANGFUSE_PUBLIC_KEY": "pk"})
    assert partial.returncode == 1 and "LANGFUSE_SECRET_KEY" in partial.stdout
    unsafe = doctor({**base, "RAGWORKS_ENV": "production"})
    assert unsafe.returncode == 1 and "FAIL  configuration" in unsafe.stdout


def test_doctor_reports_what_a_server_would_answer_with(tmp_path: Path) -> None:
    """Not just RAGWORKS_LLM: a promoted configuration changes what the server serves,
    and a running experiment answers some questions with another model."""
    from ragworks.services import Services
    from ragworks.settings import Settings

    base = {"RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_LLM": "extractive"}
    said = doctor(base).stdout
    assert "ok  answers: extractive (from RAGWORKS_LLM)" in said
    assert f"warn  documents: none in tenant 'default' (data folder {tmp_path.resolve()})" \
        in said
    svc = Services(Settings(data_dir=tmp_path, llm="extractive"))
    won = svc.experiments.create("default", {"name": "scripted", "variants": [
        {"name": "control"}, {"name": "scripted", "overrides": {"llm": "scripted"}}]})
    svc.experiments.promote("default", won["id"], "scripted", "ops")
    exp = svc.experiments.create("default", {"name": "judge", "variants": [
        {"name": "control"}, {"name": "qwen", "overrides": {"llm": "local:qwen2.5-1.5b"}}]})
    svc.experiments.start("default", exp["id"])
    svc.ingestor.ingest(b"Guest Wi-Fi codes are valid for 24 hours.", "wifi.txt", "default")
    svc.close()
    said = doctor(base).stdout
    assert "ok  documents: 1 in tenant 'default'" in said
    assert "answers: scripted (from the configuration promoted for tenant 'default')" in said
    assert f"experiment {exp['id']} answers with local:qwen2.5-1.5b in variant qwen" in said


def test_production_logs_are_json_with_request_context(tmp_path: Path) -> None:
    key = "rw_" + "p" * 40
    port = free_port()
    env = {**os.environ, "RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_ENV": "production",
           "RAGWORKS_BOOTSTRAP_API_KEY": key, "RAGWORKS_LLM": "extractive"}
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        resp = httpx.post(url + "/api/v1/query", json={"question": "hello there"},
                          headers={"Authorization": f"Bearer {key}", "X-Request-Id": "r-42"})
        assert resp.status_code == 200
        time.sleep(0.5)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [e for e in lines if e.get("event") == "request" and e.get("route") ==
              "/api/v1/query"]
    assert access, err[-2000:]
    assert access[0]["request_id"] == "r-42" and access[0]["tenant"] == "default"
    assert access[0]["trace_id"] == resp.json()["trace_id"] and access[0]["level"] == "info"
    assert key not in err


def test_doctor_checks_aws_and_postgres(tmp_path: Path, aws, postgres: str) -> None:  # type: ignore[no-untyped-def]
    import secrets

    from ragworks.jobs.queue import SQSJobQueue
    from ragworks.storage.dynamodb import DynamoRecordStore

    tag = secrets.token_hex(4)
    aws.client("s3").create_bucket(Bucket=f"rw-{tag}")
    DynamoRecordStore(f"dynamodb://rw-{tag}")  # as Terraform would have created them
    SQSJobQueue(f"sqs://rw-{tag}")
    base = {"RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_LLM": "extractive", **aws.env(),
            "RAGWORKS_BLOB_STORE": f"s3://rw-{tag}/docs",
            "RAGWORKS_RECORD_STORE": f"dynamodb://rw-{tag}",
            "RAGWORKS_JOB_QUEUE": f"sqs://rw-{tag}", "RAGWORKS_CHUNK_INDEX": postgres}
    good = doctor(base)
    assert good.returncode == 0, good.stdout
    for line in ("ok  aws credentials", "ok  s3 blob store", "ok  dynamodb record store",
                 "ok  sqs job queue", "ok  postgresql chunk index"):
        assert line in good.stdout, good.stdout
    assert "pgvector 0.8" in good.stdout and "maxReceiveCount 3" in good.stdout
    missing = doctor({**base, "RAGWORKS_BLOB_STORE": "s3://rw-no-such-bucket/x",
                      "RAGWORKS_RECORD_STORE": "dynamodb://rw-no-such-table",
                      "RAGWORKS_JOB_QUEUE": "sqs://rw-no-such-queue",
                      "RAGWORKS_CHUNK_INDEX": "postgresql://nobody@127.0.0.1:9/none"})
    assert missing.returncode == 1
    for line in ("FAIL  s3 blob store", "FAIL  dynamodb record store", "FAIL  sqs job queue",
                 "FAIL  postgresql chunk index"):
        assert line in missing.stdout, missing.stdout
    no_creds = doctor({**base, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                       "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                       "AWS_CONFIG_FILE": str(tmp_path / "none")})
    assert "FAIL  aws credentials" in no_creds.stdout
