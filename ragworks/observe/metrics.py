"""Prometheus metrics, one registry per service instance (served at /metrics)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ragworks.observe.model import Trace

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class _ExportCollector(Collector):
    def __init__(self, stats: Callable[[], dict[str, dict[str, int]]]) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("ragworks_export_queue_depth", "Traces waiting for export",
                                  labels=["exporter"])
        dropped = GaugeMetricFamily("ragworks_export_dropped", "Traces dropped (queue full)",
                                    labels=["exporter"])
        failed = GaugeMetricFamily("ragworks_export_failed", "Exports that failed",
                                   labels=["exporter"])
        exported = GaugeMetricFamily("ragworks_export_sent", "Traces exported",
                                     labels=["exporter"])
        restarts = GaugeMetricFamily("ragworks_export_restarts",
                                     "Export children restarted after dying", labels=["exporter"])
        lost = GaugeMetricFamily("ragworks_export_lost",
                                 "Traces lost with an export child that died", labels=["exporter"])
        for name, s in self.stats().items():
            depth.add_metric([name], s["queue_depth"])
            dropped.add_metric([name], s["dropped"])
            failed.add_metric([name], s["failed"])
            exported.add_metric([name], s["exported"])
            restarts.add_metric([name], s.get("restarts", 0))
            lost.add_metric([name], s.get("lost", 0))
        yield from (depth, dropped, failed, exported, restarts, lost)


class Metrics:
    def __init__(self, export_stats: Callable[[], dict[str, dict[str, int]]]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("ragworks_http_requests", "HTTP requests",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("ragworks_http_request_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self.stage = Histogram("ragworks_stage_seconds", "Pipeline stage latency", ["stage"],
                               buckets=LATENCY_BUCKETS, registry=r)
        self.tokens = Counter("ragworks_llm_tokens", "LLM tokens", ["model", "kind"], registry=r)
        self.cost = Counter("ragworks_llm_cost_usd", "LLM cost in USD", ["model"], registry=r)
        self.errors = Counter("ragworks_errors", "Errors by type", ["type"], registry=r)
        self.ingested = Counter("ragworks_ingested_documents", "Documents ingested",
                                ["status"], registry=r)
        self.categories = Counter("ragworks_queries", "Queries by category", ["category"],
                                  registry=r)
        r.register(_ExportCollector(export_stats))

    def observe_trace(self, trace: Trace) -> None:
        for obs in trace.observations:
            if obs.parent_id is None:
                self.stage.labels(obs.name).observe(obs.latency_ms / 1000)
            if obs.type == "generation" and obs.model:
                self.tokens.labels(obs.model, "input").inc(obs.input_tokens)
                self.tokens.labels(obs.model, "output").inc(obs.output_tokens)
                self.cost.labels(obs.model).inc(obs.cost)
        if trace.category:
            self.categories.labels(trace.category).inc()
        if trace.status != "ok":
            self.errors.labels(trace.status_message.split(":", 1)[0] or "error").inc()
