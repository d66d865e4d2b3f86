"""Export to Langfuse through its documented public interfaces only.

Traces go to Langfuse's OpenTelemetry endpoint (``/api/public/otel/v1/traces``, Basic
auth with the project's keys) as OTel spans with their real start and end times, the
trace id of ragworks, and Langfuse's documented attribute names: ``langfuse.trace.*``,
``user.id``, ``session.id``, ``langfuse.observation.*`` (type, input, output, level,
status message, metadata, and for generations model, parameters, usage and cost
details, completion start time, prompt name and version), ``langfuse.environment``.
Scores go to the public REST API (``POST /api/public/scores``). No SDK internals: a new
SDK release cannot break the export, and the SDK is not needed to run it.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from opentelemetry import trace as otel
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult

from ragworks.observe.model import Observation, Score, Trace
from ragworks.observe.otlp import Collect, remote_parent


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


def _metadata(prefix: str, metadata: dict[str, Any]) -> dict[str, str]:
    """Metadata as Langfuse reads it: one attribute per key, each value JSON-encoded."""
    return {f"{prefix}.{k}": _json(v) for k, v in metadata.items() if v not in (None, "")}


def observation_attributes(obs: Observation) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "langfuse.observation.type": "generation" if obs.type == "generation" else "span",
        "langfuse.observation.input": _json(obs.input),
        "langfuse.observation.output": _json(obs.output),
        **_metadata("langfuse.observation.metadata", obs.metadata or {})}
    if obs.status == "error":
        attrs["langfuse.observation.level"] = "ERROR"
        attrs["langfuse.observation.status_message"] = obs.status_message
    if obs.type == "generation":
        attrs.update({
            "langfuse.observation.model.name": obs.model,
            "langfuse.observation.usage_details": _json(
                {"input": obs.input_tokens, "output": obs.output_tokens,
                 "total": obs.total_tokens}),
            "langfuse.observation.cost_details": _json({"total": obs.cost})})
        if obs.model_parameters:
            attrs["langfuse.observation.model.parameters"] = _json(obs.model_parameters)
        if obs.completion_start:
            attrs["langfuse.observation.completion_start_time"] = _json(
                datetime.fromtimestamp(obs.completion_start, UTC).isoformat())
        if obs.prompt_name:
            attrs["langfuse.observation.prompt.name"] = obs.prompt_name
            attrs["langfuse.observation.prompt.version"] = obs.prompt_version
    return attrs


class LangfuseExporter:
    name = "langfuse"

    def __init__(self, public_key: str, secret_key: str, host: str, timeout_s: int = 5,
                 environment: str = "default") -> None:
        token = base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}
        self.host, self.environment = host.rstrip("/"), environment
        self.provider = TracerProvider(resource=Resource.create({"service.name": "ragworks"}))
        self._collect = Collect()
        self.provider.add_span_processor(self._collect)
        self.tracer = self.provider.get_tracer("ragworks")
        self.exporter = OTLPSpanExporter(endpoint=f"{self.host}/api/public/otel/v1/traces",
                                         headers=headers, timeout=timeout_s)
        self.http = httpx.Client(base_url=self.host, headers=headers, timeout=timeout_s)

    def export(self, trace: Trace) -> None:
        tags = [*trace.tags, *([f"variant:{trace.variant}"] if trace.variant else [])]
        metadata = {"tenant": trace.tenant, "category": trace.category,
                    "variant": trace.variant, "status": trace.status}
        trace_attrs: dict[str, Any] = {
            "langfuse.trace.name": trace.name, "langfuse.environment": self.environment,
            **_metadata("langfuse.trace.metadata", metadata)}
        if trace.user_id:
            trace_attrs["user.id"] = trace.user_id
        if trace.session_id:
            trace_attrs["session.id"] = trace.session_id
        if tags:
            trace_attrs["langfuse.trace.tags"] = tags
        root_obs = Observation(id="root", trace_id=trace.id, parent_id=None, name=trace.name,
                               type="span", start=trace.start, end=trace.end, input=trace.input,
                               output=trace.output,
                               metadata={**trace.metadata, **metadata},
                               status="error" if trace.status != "ok" else "ok",
                               status_message=trace.status_message)
        root = self.tracer.start_span(trace.name, context=remote_parent(trace.id),
                                      start_time=_ns(trace.start),
                                      attributes={**trace_attrs,
                                                  **observation_attributes(root_obs)})
        spans: dict[str | None, otel.Span] = {None: root}
        for obs in sorted(trace.observations, key=lambda o: o.start):
            parent = spans.get(obs.parent_id, root)
            spans[obs.id] = self.tracer.start_span(
                obs.name, context=otel.set_span_in_context(parent), start_time=_ns(obs.start),
                attributes={"langfuse.environment": self.environment,
                            **observation_attributes(obs)})
        for obs in sorted(trace.observations, key=lambda o: -o.start):
            spans[obs.id].end(end_time=_ns(obs.end or obs.start))
        root.end(end_time=_ns(trace.end or trace.start))
        batch, self._collect.spans = self._collect.spans, []
        if self.exporter.export(batch) != SpanExportResult.SUCCESS:
            raise ConnectionError(f"Langfuse did not accept {len(batch)} spans")
        span_ids = {k: format(s.get_span_context().span_id, "016x")
                    for k, s in spans.items() if k is not None}
        self._scores(trace.scores, span_ids)

    def export_scores(self, scores: list[Score]) -> None:
        """Scores that arrived after their trace was exported (feedback)."""
        self._scores(scores, {})

    def _scores(self, scores: list[Score], span_ids: dict[str, str]) -> None:
        for score in scores:
            body: dict[str, Any] = {
                "id": score.id, "traceId": score.trace_id, "name": score.name,
                "value": score.value if score.value is not None else (score.string_value or ""),
                "dataType": score.data_type, "environment": self.environment,
                "metadata": {"source": score.source}}
            if score.observation_id in span_ids:
                body["observationId"] = span_ids[score.observation_id]
            if score.comment:
                body["comment"] = score.comment
            resp = self.http.post("/api/public/scores", json=body)
            if resp.status_code >= 300:
                raise ConnectionError(f"Langfuse refused a score: {resp.status_code}")

    def flush(self, timeout_s: float) -> None:
        pass  # every export is sent synchronously on the export thread

    def shutdown(self) -> None:
        self.exporter.shutdown()
        self.provider.shutdown()
        self.http.close()
