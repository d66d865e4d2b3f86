"""Build every stage from Settings once; the API and the CLI share this."""

from __future__ import annotations

import importlib
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import structlog

from ragworks.auth import KEY_PREFIX, Keyring
from ragworks.classify.model import QueryClassifier, load_examples
from ragworks.embed import Embedder, make_embedder
from ragworks.embed.cache import VectorCache
from ragworks.experiments.service import OVERRIDES, ExperimentService
from ragworks.feedback.service import FeedbackService
from ragworks.generate import Answerer, ChatModel
from ragworks.generate.extractive import ExtractiveAnswerer
from ragworks.generate.llm import LLMAnswerer
from ragworks.generate.verify import MarginModel, ModelVerifier
from ragworks.index import ChunkIndex, open_chunk_index
from ragworks.ingest.chunker import PROFILES, count_tokens
from ragworks.ingest.service import Ingestor
from ragworks.models import Document
from ragworks.observe.export_process import ExportProcess
from ragworks.observe.metrics import Metrics
from ragworks.observe.store import TraceStore
from ragworks.observe.store_sqlite import SQLiteTraceStore
from ragworks.observe.tracer import Tracer
from ragworks.pipeline import QueryPipeline
from ragworks.retrieve.rerank import SentenceReranker
from ragworks.retrieve.retriever import HybridRetriever
from ragworks.route.coverage import CoverageCalibrator
from ragworks.route.planner import Planner
from ragworks.settings import DEFAULT_DEV_KEY, Settings
from ragworks.storage import BlobStore, RecordStore, open_blob_store, open_record_store
from ragworks.storage.sqlite import SQLiteFile
from ragworks.turns import Turns

if TYPE_CHECKING:
    from ragworks.alerts.service import AlertService
    from ragworks.alerts.store import AlertStore
    from ragworks.evaluate.datasets import DatasetStore
    from ragworks.evaluate.runs import RunStore
    from ragworks.jobs.queue import JobQueue
    from ragworks.jobs.status import JobStatus
    from ragworks.sources.store import SourceStore
    from ragworks.storage.dynamodb import DynamoRecordStore

log = structlog.get_logger(__name__)


def make_export(settings: Settings) -> ExportProcess | None:
    """The export process for the configured backends (None when none is configured)."""
    specs: list[tuple[str, dict]] = []
    if settings.langfuse_public_key and settings.langfuse_secret_key and settings.langfuse_host:
        specs.append(("langfuse", {
            "public_key": settings.langfuse_public_key, "secret_key": settings.langfuse_secret_key,
            "host": settings.langfuse_host, "timeout_s": max(1, int(settings.export_timeout_s)),
            "environment": settings.env}))
    if settings.otel_endpoint:
        headers = dict(h.split("=", 1) for h in settings.otel_headers.split(",") if "=" in h)
        specs.append(("otlp", {"endpoint": settings.otel_endpoint, "headers": headers,
                               "timeout_s": settings.export_timeout_s}))
    if not specs:
        return None
    for pattern in settings.mask_patterns:  # fail at start, not in the export process
        re.compile(pattern)
    return ExportProcess(specs, settings.export_queue_size, settings.mask_patterns)


def make_chat(settings: Settings, spec: str) -> ChatModel:
    """A chat backend: ``local:smollm2``, ``openai:MODEL`` or ``scripted``."""
    if spec.startswith("local:qwen"):
        from ragworks.generate.local_llama import LlamaChatModel

        return LlamaChatModel(spec.removeprefix("local:"), settings.model_dir,
                              threads=settings.llm_threads)
    if spec.startswith("local:"):
        from ragworks.generate.local_hf import LocalChatModel

        return LocalChatModel(threads=settings.llm_threads)
    if spec.startswith("openai:"):
        from ragworks.generate.openai_compat import OpenAIChatModel

        return OpenAIChatModel(settings.openai_base_url, spec.removeprefix("openai:"),
                               settings.openai_api_key, settings.openai_timeout_s)
    if spec == "scripted":
        from ragworks.generate.scripted import ScriptedChatModel

        return ScriptedChatModel()
    raise ValueError(f"unknown chat backend {spec!r} (local:smollm2, openai:MODEL, scripted)")


def make_answerer(settings: Settings, vectors: VectorCache | None = None,
                  chat_for: Callable[[str], ChatModel] | None = None) -> Answerer:
    """The answerer of ``settings.llm``; ``chat_for`` (spec -> model) shares loaded models."""
    spec = settings.llm
    if spec == "extractive":
        return ExtractiveAnswerer(vectors)
    if spec.startswith(("local:", "openai:", "scripted")):
        chat = chat_for(spec) if chat_for is not None else make_chat(settings, spec)
        if spec.startswith("openai:"):
            return LLMAnswerer(chat, max_tokens=settings.llm_max_tokens, max_contexts=6,
                               max_context_words=200)
        if spec.startswith("local:qwen"):  # it reads 50-75 tokens/s: every word counts
            reader = ExtractiveAnswerer(vectors)
            return LLMAnswerer(chat, max_tokens=settings.llm_max_tokens, max_contexts=4,
                               max_context_words=settings.llm_context_words or 150,
                               focus=reader.focus if settings.llm_focus else None,
                               select=reader.select,
                               prompt_words=settings.llm_prompt_words)
        return LLMAnswerer(chat, max_tokens=settings.llm_max_tokens)
    raise ValueError(f"unknown RAGWORKS_LLM {spec!r} (extractive, local:smollm2, openai:MODEL)")


#: the stores kept beside the records, by name: (on SQLite, on DynamoDB), as import paths
#: (each built from its backing: the traces' SQLite file or the records' DynamoDB table)
BESIDE: dict[str, tuple[str, str]] = {
    "runs": ("ragworks.evaluate.runs:SQLiteRunStore",
             "ragworks.evaluate.store_dynamodb:DynamoRunStore"),
    "datasets": ("ragworks.evaluate.datasets:SQLiteDatasetStore",
                 "ragworks.evaluate.store_dynamodb:DynamoDatasetStore"),
    "experiments": ("ragworks.experiments.store:SQLiteExperimentStore",
                    "ragworks.experiments.store_dynamodb:DynamoExperimentStore"),
    "alerts": ("ragworks.alerts.store:SQLiteAlertStore",
               "ragworks.alerts.store:DynamoAlertStore"),
    "job_status": ("ragworks.jobs.status:SQLiteJobStatus", "ragworks.jobs.status:DynamoJobStatus"),
    "sources": ("ragworks.sources.store_sqlite:SQLiteSourceStore",
                "ragworks.sources.store_dynamodb:DynamoSourceStore"),
}


@dataclass
class Services:
    settings: Settings
    #: made with the object, not on first use: ``cached_property`` takes no lock from
    #: Python 3.12 on, so two threads could each make their own
    _variants_lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                           repr=False)
    _profiles_lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                           repr=False)

    @cached_property
    def turns(self) -> Turns:
        """Users' questions ahead of background use of the model (``ragworks/turns.py``)."""
        return Turns()

    @cached_property
    def records(self) -> RecordStore:
        return open_record_store(self.settings.record_store)

    @cached_property
    def blobs(self) -> BlobStore:
        return open_blob_store(self.settings.blob_store, self.settings.s3_kms_key_id)

    @cached_property
    def embedder(self) -> Embedder:
        return make_embedder(self.settings.embedder)

    @cached_property
    def index(self) -> ChunkIndex:
        return open_chunk_index(self.settings.chunk_index, dim=self.embedder.dim)

    @cached_property
    def classifier(self) -> QueryClassifier:
        trained = self.settings.data_dir / "classifier.npz"  # `ragworks classifier train`
        path = self.settings.classifier_path or (trained if trained.exists() else None)
        try:
            return QueryClassifier.load(path, self.sentence_vectors)  # questions: embedded once
        except ValueError as exc:  # trained for another embedder: train one now
            log.warning("classifier_retrained", reason=str(exc))
            return QueryClassifier.train(load_examples(), self.embedder, version="on-start")

    @cached_property
    def sentence_vectors(self) -> VectorCache:
        """Sentence and question vectors, shared by the reranker and the extractive answerer."""
        return VectorCache(self.embedder)

    @cached_property
    def answerer(self) -> Answerer:
        return make_answerer(self.settings, self.sentence_vectors, self.chat)

    def verifier_for(self, s: Settings) -> ModelVerifier | None:
        """The local model's second opinion on its own sentences (RAGWORKS_VERIFY_ANSWERS):
        only a llama.cpp model can score a prompt without generating."""
        if not s.verify_answers or not s.llm.startswith("local:"):
            return None
        model = self.chat(s.llm)
        if not isinstance(model, MarginModel):
            return None
        return ModelVerifier(model, s.verify_threshold,
                             context_threshold=s.verify_context_threshold)

    def write_failed(self, cause: str) -> None:
        """A write to storage failed (disk full, read-only): readiness says so for a while."""
        self.__dict__["_write_failure"] = (time.time(), cause)

    def write_health(self, within_s: float = 30.0, probe: bool = True) -> str:
        """"ok", or why storage writes are failing (a recent failure, or, when ``probe``,
        a failed probe write)."""
        failed = self.__dict__.get("_write_failure")
        if failed is not None and time.time() - failed[0] < within_s:
            return f"error: {failed[1]}"
        if not probe:
            return "ok"
        try:
            self.alerts.rows.acquire("readiness-probe", f"probe:{id(self)}", 1.0, time.time())
        except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
            return f"error: {type(exc).__name__}: {exc}"
        return "ok"

    def chat(self, spec: str) -> ChatModel:
        """One chat model per spec for the whole process: a variant, an evaluation judge
        and the default answerer that name the same model share one loaded copy."""
        with self._variants_lock:
            model = self._chats.get(spec)
            if model is None:
                model = self._chats[spec] = make_chat(self.settings, spec)
            return model

    @cached_property
    def _chats(self) -> dict[str, ChatModel]:
        return {}

    @cached_property
    def reranker(self) -> SentenceReranker:
        return SentenceReranker(self.sentence_vectors)

    def _retriever(self, s: Settings) -> HybridRetriever:
        return HybridRetriever(self.profile_index(s.chunking_profile), self.sentence_vectors,
                               s.dense_weight, reranker=self.reranker if s.rerank else None)

    @cached_property
    def retriever(self) -> HybridRetriever:
        return self._retriever(self.settings)

    @cached_property
    def pipeline(self) -> QueryPipeline:
        return self._build_pipeline(self.settings, self.answerer, self.classifier,
                                    self.retriever)

    def _build_pipeline(self, s: Settings, answerer: Answerer, classifier: QueryClassifier,
                        retriever: HybridRetriever) -> QueryPipeline:
        """The query pipeline of settings ``s`` (the one place it is put together)."""
        return QueryPipeline(
            classifier=classifier,
            planner=Planner(s.top_k, s.min_confidence, s.prompt_version),
            retriever=retriever, answerer=answerer, min_relevance=s.min_relevance,
            coverage=self.coverage_for(s.chunking_profile),
            fallback=ExtractiveAnswerer(self.sentence_vectors), prices=dict(s.prices),
            count_tokens=count_tokens, screen_passages=s.screen_passages,
            verifier=self.verifier_for(s), verify_in_context=s.verify_in_context,
            refusal_margin=s.refusal_margin)

    def coverage_for(self, profile: str) -> CoverageCalibrator:
        """The per-collection coverage thresholds of a chunking profile's index."""
        with self._profiles_lock:
            if profile not in self._coverage:
                index = self.index if profile == "default" else None
                self._coverage[profile] = CoverageCalibrator(
                    index or self._profile_index_unlocked(profile), self.sentence_vectors,
                    margin=self.settings.coverage_margin)
            return self._coverage[profile]

    @cached_property
    def _coverage(self) -> dict[str, CoverageCalibrator]:
        return {}

    def profile_dir(self, name: str) -> Path:
        return self.settings.index_dir / "profiles" / name

    def profile_index(self, name: str) -> ChunkIndex:
        """The chunk index of a chunking profile ("default" is the main index)."""
        if name == "default":
            return self.index
        with self._profiles_lock:  # (pipeline_for calls this holding _variants_lock)
            return self._profile_index_unlocked(name)

    def _profile_index_unlocked(self, name: str) -> ChunkIndex:
        if name not in PROFILES:
            raise ValueError(f"unknown chunking profile {name!r} "
                             f"(default, {', '.join(PROFILES)})")
        if name not in self._profile_indexes:
            spec = self.settings.chunk_index
            if spec.startswith("local://"):
                self._profile_indexes[name] = open_chunk_index(
                    f"local://{self.profile_dir(name)}", dim=self.embedder.dim)
            else:  # the same database, a table per profile
                from ragworks.index.pgvector import PgChunkIndex

                self._profile_indexes[name] = PgChunkIndex(
                    spec, dim=self.embedder.dim, table=f"rw_chunks_{name}")
        return self._profile_indexes[name]

    def built_profiles(self) -> dict[str, ChunkIndex]:
        """Profiles whose index `ragworks reindex` has built (kept current by ingestion)."""
        return {name: self.profile_index(name) for name in PROFILES
                if (self.profile_dir(name) / "BUILT").exists()
                or name in self._profiles_building}

    def build_profile(self, name: str, progress: Callable[[Document], None] | None = None,
                      ) -> tuple[int, int]:
        """Index every stored document with a chunking profile; new uploads follow."""
        index = self.profile_index(name)
        self._profiles_building.add(name)  # uploads during the build go there too
        try:
            result = self.ingestor.reindex(name, index, progress)
        finally:
            self._profiles_building.discard(name)
        (self.profile_dir(name) / "BUILT").write_text(f"{time.time()}\n")
        return result

    @cached_property
    def _profile_indexes(self) -> dict[str, ChunkIndex]:
        return {}

    @cached_property
    def _profiles_building(self) -> set[str]:
        return set()

    def pipeline_for(self, overrides: dict[str, Any]) -> QueryPipeline:
        """The pipeline with an experiment variant's (or the promoted) overrides applied.
        The last few are kept (least recently used out); their models are shared."""
        # a configuration stored before a name was withdrawn (classifier_path) is ignored
        overrides = {k: v for k, v in overrides.items() if k in OVERRIDES}
        if not overrides:
            return self.pipeline
        key = json.dumps(overrides, sort_keys=True)
        with self._variants_lock:
            cached = self._variants.get(key)
            if cached is not None:
                self._variants.move_to_end(key)
                return cached
        named = overrides.get("classifier")
        s = self.settings.model_copy(update={k: v for k, v in overrides.items()
                                             if k != "classifier"})
        answerer = self.answerer if s.llm == self.settings.llm \
            else make_answerer(s, self.sentence_vectors, self.chat)
        classifier = self.classifier if named is None else QueryClassifier.load(
            self.settings.data_dir / "classifier.npz" if named == "trained" else None,
            self.sentence_vectors)
        built = self._build_pipeline(s, answerer, classifier, self._retriever(s))
        with self._variants_lock:
            cached = self._variants.setdefault(key, built)
            self._variants.move_to_end(key)
            while len(self._variants) > max(1, self.settings.variant_cache_size):
                self._variants.popitem(last=False)
            return cached

    @cached_property
    def _variants(self) -> OrderedDict[str, QueryPipeline]:
        return OrderedDict()

    def _dynamo_records(self) -> DynamoRecordStore | None:
        """The DynamoDB records table when the record store is on DynamoDB."""
        from ragworks.storage.dynamodb import DynamoRecordStore

        return self.records if isinstance(self.records, DynamoRecordStore) else None

    def _beside(self, name: str, *extra: Any) -> Any:
        """The store ``name`` of BESIDE on the records' backend: in the DynamoDB table when
        the records are there, else in the traces' SQLite file. The one place that picks."""
        records = self._dynamo_records()
        where = BESIDE[name][records is not None]
        module, _, cls = where.partition(":")
        backing = records if records is not None else self._trace_file
        return getattr(importlib.import_module(module), cls)(backing, *extra)

    @cached_property
    def runs(self) -> RunStore:
        """Stored evaluation runs."""
        return cast("RunStore", self._beside("runs"))

    @cached_property
    def datasets(self) -> DatasetStore:
        return cast("DatasetStore", self._beside("datasets", self.traces))

    @cached_property
    def experiments(self) -> ExperimentService:
        return ExperimentService(self._beside("experiments", self.traces),
                                 built_profiles=lambda: self.built_profiles().keys())

    @cached_property
    def _trace_file(self) -> SQLiteFile:
        """The SQLite file of the traces, which the runs, datasets, experiments and alerts
        share when the records are not on DynamoDB."""
        traces = self.traces
        if isinstance(traces, SQLiteTraceStore):
            return traces.db
        return SQLiteFile(self.settings.data_dir / "ragworks.db")

    @cached_property
    def traces(self) -> TraceStore:
        spec = self.settings.trace_store
        if spec.startswith("dynamodb://"):
            from ragworks.observe.store_dynamodb import DynamoTraceStore
            from ragworks.storage.dynamodb import DynamoRecordStore

            return DynamoTraceStore(self._dynamo_records() or DynamoRecordStore(spec),
                                    self.settings.trace_retention_days)
        if not spec.startswith("sqlite:///"):
            raise ValueError("RAGWORKS_TRACE_STORE must be sqlite:///PATH or "
                             f"dynamodb://PREFIX, not {spec!r}")
        return SQLiteTraceStore(spec.removeprefix("sqlite:///"))

    @cached_property
    def tracer(self) -> Tracer:
        tracer = Tracer(self.traces, make_export(self.settings))
        tracer.on_store_failure = self.write_failed
        tracer.writes_failing = lambda: self.write_health(probe=False) != "ok"
        if isinstance(self.traces, SQLiteTraceStore):
            self.traces.on_write_failure = tracer.store_failed
        return tracer

    @cached_property
    def feedback(self) -> FeedbackService:
        return FeedbackService(self.traces, self.tracer)

    @cached_property
    def metrics(self) -> Metrics:
        return Metrics(lambda: self.tracer.stats())

    @cached_property
    def ingestor(self) -> Ingestor:
        ingestor = Ingestor(self.settings, self.records, self.blobs, self.index, self.embedder)
        ingestor.profiles = self.built_profiles
        ingestor.on_deleted = self.traces.forget_document
        return ingestor

    @cached_property
    def keys(self) -> Keyring:
        return Keyring(self.records)

    def bootstrap_key(self) -> str | None:
        """Register the bootstrap admin key; in dev, make one (kept in the data dir)."""
        key = self.settings.bootstrap_api_key
        if not key and self.settings.env != "production":
            path = self.settings.data_dir / "dev-key.txt"
            if path.exists():
                key = path.read_text().strip()
            else:
                key = KEY_PREFIX + secrets.token_urlsafe(24)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(key + "\n")
                path.chmod(0o600)
        if not key:
            return None
        if key == DEFAULT_DEV_KEY and self.settings.env == "production":
            raise RuntimeError("refusing the default dev key in production")
        self.keys.register(key, tenant="default", scopes=("query", "ingest", "admin"),
                           name="bootstrap")
        return key

    @cached_property
    def session_secret(self) -> bytes:
        from ragworks.dashboard.session import load_secret

        return load_secret(self.settings.session_secret, self.settings.data_dir)

    @cached_property
    def alerts(self) -> AlertService:
        from ragworks.alerts.egress import Egress
        from ragworks.alerts.service import AlertService, Notifier

        store: AlertStore = self._beside("alerts")
        notifier = Notifier(egress=Egress(self.settings.webhook_allow))
        return AlertService(self.traces, notifier, store=store)

    @cached_property
    def job_status(self) -> JobStatus:
        """What became of each job (the queue only carries the work)."""
        return cast("JobStatus", self._beside("job_status"))

    @cached_property
    def sources(self) -> SourceStore:
        """Folders, S3 prefixes and websites kept in sync (``ragworks.usecases.syncing``)."""
        return cast("SourceStore", self._beside("sources"))

    @cached_property
    def jobs(self) -> JobQueue:
        from ragworks.jobs.queue import open_job_queue

        return open_job_queue(self.settings.job_queue, self.settings.data_dir,
                              self.settings.job_visibility_s)

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush and close what was opened (once: a second call does nothing)."""
        if self.__dict__.get("_closed"):
            return
        self.__dict__["_closed"] = True
        if "ingestor" in self.__dict__:
            self.ingestor.stopping.set()
        if "alerts" in self.__dict__:
            self.alerts.notifier.close()
        if "tracer" in self.__dict__:
            self.tracer.shutdown(self.settings.flush_timeout_s)
        for name in ("traces", "records", "index"):
            if name in self.__dict__:
                getattr(self, name).close()
        for chat in self.__dict__.get("_chats", {}).values():
            close_chat = getattr(chat, "close", None)
            if close_chat is not None:
                close_chat()
