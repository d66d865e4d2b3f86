"""OpenTelemetry OTLP/HTTP export with the GenAI semantic-convention attribute names.

A finished trace is replayed as OTel spans with their real start and end times
(the OTel API accepts explicit timestamps) and the same trace id as ragworks'.
"""

from __future__ import annotations

import json
from typing import Any

from opentelemetry import trace as otel
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult

from ragworks.observe.model import Observation, Trace


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)[:8000]


def remote_parent(trace_id: str) -> otel.Context:
    """A context whose parent is a remote span of the given trace id (so ids match)."""
    ctx = otel.SpanContext(trace_id=int(trace_id, 16), span_id=int(trace_id[:16], 16) or 1,
                           is_remote=True, trace_flags=otel.TraceFlags(otel.TraceFlags.SAMPLED))
    return otel.set_span_in_context(otel.NonRecordingSpan(ctx))


def genai_attributes(obs: Observation) -> dict[str, Any]:
    attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.request.model": obs.model,
                             "gen_ai.response.model": obs.model,
                             "gen_ai.usage.input_tokens": obs.input_tokens,
                             "gen_ai.usage.output_tokens": obs.output_tokens,
                             "gen_ai.provider.name": obs.model.split(":")[0] or "unknown"}
    for key, value in obs.model_parameters.items():
        if isinstance(value, int | float | str | bool):
            attrs[f"gen_ai.request.{key}"] = value
    if obs.cost:
        attrs["ragworks.cost_usd"] = obs.cost
    if obs.prompt_name:
        attrs["ragworks.prompt.name"] = obs.prompt_name
        attrs["ragworks.prompt.version"] = obs.prompt_version
    return attrs


class Collect(SpanProcessor):
    """Keeps ended spans so that one trace is sent in one request, and failures seen."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


class OTLPExporter:
    name = "otlp"

    def __init__(self, endpoint: str, headers: dict[str, str] | None = None,
                 timeout_s: float = 5.0, service_name: str = "ragworks") -> None:
        url = endpoint.rstrip("/")
        if not url.endswith("/v1/traces"):
            url += "/v1/traces"
        self.provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        self._collect = Collect()
        self.provider.add_span_processor(self._collect)
        self.exporter = OTLPSpanExporter(endpoint=url, headers=headers, timeout=timeout_s)
        self.tracer = self.provider.get_tracer("ragworks")

    def export(self, trace: Trace) -> None:
        root = self.tracer.start_span(
            trace.name, context=remote_parent(trace.id), start_time=_ns(trace.start),
            attributes={"ragworks.tenant": trace.tenant, "ragworks.category": trace.category,
                        "ragworks.variant": trace.variant, "ragworks.status": trace.status,
                        "user.id": trace.user_id, "session.id": trace.session_id,
                        "ragworks.input": _text(trace.input),
                        "ragworks.output": _text(trace.output)})
        spans: dict[str | None, otel.Span] = {None: root}
        for obs in sorted(trace.observations, key=lambda o: o.start):
            parent = spans.get(obs.parent_id, root)
            attrs: dict[str, Any] = {"ragworks.observation.type": obs.type,
                                     "ragworks.input": _text(obs.input),
                                     "ragworks.output": _text(obs.output)}
            name = obs.name
            if obs.type == "generation":
                attrs.update(genai_attributes(obs))
                name = f"chat {obs.model}"
            span = self.tracer.start_span(name, context=otel.set_span_in_context(parent),
                                          start_time=_ns(obs.start), attributes=attrs)
            if obs.status == "error":
                span.set_status(otel.Status(otel.StatusCode.ERROR, obs.status_message))
            spans[obs.id] = span
        for score in trace.scores:
            root.set_attribute(f"ragworks.score.{score.name}",
                               score.value if score.value is not None else score.string_value)
        for obs in sorted(trace.observations, key=lambda o: -o.start):
            spans[obs.id].end(end_time=_ns(obs.end or obs.start))
        if trace.status != "ok":
            root.set_status(otel.Status(otel.StatusCode.ERROR, trace.status_message))
        root.end(end_time=_ns(trace.end or trace.start))
        batch, self._collect.spans = self._collect.spans, []
        if self.exporter.export(batch) != SpanExportResult.SUCCESS:
            raise ConnectionError(f"OTLP endpoint did not accept {len(batch)} spans")

    def flush(self, timeout_s: float) -> None:
        pass  # every export is sent synchronously on the export thread

    def shutdown(self) -> None:
        self.exporter.shutdown()
        self.provider.shutdown()
