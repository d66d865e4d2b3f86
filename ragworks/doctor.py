"""``ragworks doctor``: check the configuration and every configured connection.

One line per check (``ok``, ``FAIL`` or ``skip``) and a non-zero exit when any fails:
the first things to look at when something is off are API keys in the environment,
network connectivity and the status of the services.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from ragworks.settings import Settings, UnsafeConfiguration


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "FAIL" | "skip"
    detail: str


def _run(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, "ok", probe())
    except Exception as exc:  # noqa: BLE001 - every failure becomes a FAIL line
        return Check(name, "FAIL", f"{type(exc).__name__}: {exc}"[:300])


def _data_dir(settings: Settings) -> str:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    probe = settings.data_dir / ".doctor"
    probe.write_text("ok")
    probe.unlink()
    return str(settings.data_dir.resolve())


def _embedder() -> str:
    from ragworks.embed.minilm import model_files

    onnx, tokenizer = model_files()
    return f"{onnx.name} and {tokenizer.name} found"


def _llm(settings: Settings) -> str:
    if settings.llm == "extractive":
        return "extractive answerer (no model)"
    if settings.llm.startswith("local:qwen"):
        from ragworks.generate.local_llama import model_path

        if importlib.util.find_spec("llama_cpp") is None:
            raise ModuleNotFoundError("llama_cpp (run `make setup-model`)")
        path = model_path(settings.llm.removeprefix("local:"), settings.model_dir)
        return f"{path.name} ({path.stat().st_size // 2**20} MB, sha256 verified, llama.cpp)"
    if settings.llm.startswith("local:"):
        from ragworks.generate.local_hf import GGUF_FILE, model_dir

        path = model_dir() / GGUF_FILE
        if not path.exists():
            raise FileNotFoundError(path)
        for module in ("torch", "transformers", "gguf"):
            if importlib.util.find_spec(module) is None:
                raise ModuleNotFoundError(module)
        return f"{path.name} ({path.stat().st_size // 2**20} MB)"
    if settings.llm.startswith("openai:"):
        if not settings.openai_base_url:
            raise ValueError("RAGWORKS_OPENAI_BASE_URL is not set")
        headers = {"Authorization": f"Bearer {settings.openai_api_key}"} \
            if settings.openai_api_key else {}
        resp = httpx.get(settings.openai_base_url.rstrip("/") + "/models", headers=headers,
                         timeout=5)
        resp.raise_for_status()
        return f"{settings.openai_base_url} answers ({resp.status_code})"
    raise ValueError(f"unknown RAGWORKS_LLM {settings.llm!r}")


def _langfuse(settings: Settings) -> str:
    resp = httpx.get(settings.langfuse_host.rstrip("/") + "/api/public/projects",
                     auth=(settings.langfuse_public_key, settings.langfuse_secret_key), timeout=5)
    if resp.status_code in (401, 403):
        raise PermissionError(f"{settings.langfuse_host} refused the keys ({resp.status_code})")
    resp.raise_for_status()
    return f"{settings.langfuse_host}: keys accepted"


def _otlp(settings: Settings) -> str:
    url = settings.otel_endpoint.rstrip("/")
    url = url if url.endswith("/v1/traces") else url + "/v1/traces"
    headers = dict(h.split("=", 1) for h in settings.otel_headers.split(",") if "=" in h)
    resp = httpx.post(url, content=b"", timeout=5,
                      headers={"Content-Type": "application/x-protobuf", **headers})
    resp.raise_for_status()
    return f"{url} accepts OTLP ({resp.status_code})"


def _aws_identity() -> str:
    import boto3

    ident = boto3.client("sts").get_caller_identity()
    return f"account {ident['Account']}, {ident['Arn']}"


def _blob_store(settings: Settings) -> str:
    from ragworks.storage.blob_s3 import S3BlobStore

    info = S3BlobStore(settings.blob_store).check()
    return f"bucket {info['bucket']} reachable (prefix {info['prefix'] or '/'})"


def _record_store(settings: Settings) -> str:
    from ragworks.storage.dynamodb import DynamoRecordStore

    info = DynamoRecordStore(settings.record_store, create=False).check()
    missing = {"gsi1", "gsi2", "gsi3"} - set(info["indexes"])
    if missing:
        raise LookupError(f"table {info['table']} lacks indexes {sorted(missing)}")
    return f"table {info['table']} {info['status']}, indexes {', '.join(info['indexes'])}"


def _job_queue(settings: Settings) -> str:
    from ragworks.jobs.queue import SQSJobQueue

    info = SQSJobQueue(settings.job_queue, create=False).check()
    if not info["redrive"]:
        raise LookupError(f"{info['queue']} has no dead-letter queue (redrive policy)")
    return f"{info['queue']} with dead-letter queue, maxReceiveCount " \
           f"{info['redrive'].get('maxReceiveCount')}"


def _postgres(settings: Settings) -> str:
    from ragworks.index.pgvector import PgChunkIndex

    index = PgChunkIndex(settings.chunk_index, dim=384)
    try:
        info = index.check()
    finally:
        index.close()
    if not info["pgvector"]:
        raise LookupError("the vector extension is not installed")
    return f"PostgreSQL {info['server_version']}, pgvector {info['pgvector']}"


def _aws_checks(settings: Settings) -> Iterator[Check]:
    uses_aws = (settings.blob_store.startswith("s3://")
                or settings.record_store.startswith("dynamodb://")
                or settings.job_queue.startswith("sqs://"))
    if not uses_aws:
        yield Check("aws", "skip", "no S3, DynamoDB or SQS configured")
    else:
        yield _run("aws credentials", _aws_identity)
    if settings.blob_store.startswith("s3://"):
        yield _run("s3 blob store", lambda: _blob_store(settings))
    if settings.record_store.startswith("dynamodb://"):
        yield _run("dynamodb record store", lambda: _record_store(settings))
    if settings.job_queue.startswith("sqs://"):
        yield _run("sqs job queue", lambda: _job_queue(settings))
    if settings.chunk_index.startswith(("postgresql://", "postgres://")):
        yield _run("postgresql chunk index", lambda: _postgres(settings))
    else:
        yield Check("postgresql", "skip", "chunk index is local")


def checks(settings: Settings) -> Iterator[Check]:
    try:
        settings.check_safe()
        yield Check("configuration", "ok", f"env={settings.env}, llm={settings.llm}")
    except UnsafeConfiguration as exc:
        yield Check("configuration", "FAIL", str(exc))
    yield _run("data directory", lambda: _data_dir(settings))
    yield _run("embedding model", _embedder)
    yield _run("language model", lambda: _llm(settings))
    keys = (settings.langfuse_public_key, settings.langfuse_secret_key, settings.langfuse_host)
    if all(keys):
        yield _run("langfuse", lambda: _langfuse(settings))
    elif any(keys):
        yield Check("langfuse", "FAIL", "set all of LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY "
                    "and LANGFUSE_HOST (or none)")
    else:
        yield Check("langfuse", "skip", "not configured (LANGFUSE_* unset)")
    if settings.otel_endpoint:
        yield _run("otlp", lambda: _otlp(settings))
    else:
        yield Check("otlp", "skip", "not configured (OTEL_EXPORTER_OTLP_ENDPOINT unset)")
    yield from _aws_checks(settings)
