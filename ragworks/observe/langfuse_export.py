"""Export to Langfuse through the official SDK (``langfuse`` 5.x, OpenTelemetry based).

A finished trace is replayed with its real timestamps: spans start on the SDK's
tracer with explicit start times (the SDK's own helpers always start "now"), and
``Langfuse._create_observation_from_otel_span`` (private in 5.0.4, pinned in the
lock) applies the SDK's own attribute mapping for spans and generations (model,
parameters, usage, cost, completion start). The trace id is ragworks' id; user,
session, variant (metadata and tag) and tags are propagated with
``propagate_attributes``; scores go through ``create_score``. The SDK batches and
sends in its own background thread.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace as otel
from opentelemetry.sdk.trace import TracerProvider

from ragworks.observe.model import Observation, Score, Trace
from ragworks.observe.otlp import remote_parent

LANGFUSE_TRACER_NAME = "langfuse-sdk"  # langfuse._client.constants.LANGFUSE_TRACER_NAME


def _ns(seconds: float) -> int:
    return int(seconds * 1e9)


class LangfuseExporter:
    name = "langfuse"

    def __init__(self, public_key: str, secret_key: str, host: str, timeout_s: int = 5,
                 environment: str = "default") -> None:
        from langfuse import Langfuse

        self.provider = TracerProvider()
        self.client = Langfuse(public_key=public_key, secret_key=secret_key, base_url=host,
                               timeout=timeout_s, tracer_provider=self.provider,
                               environment=environment, flush_at=64, flush_interval=1.0)
        # The SDK's span processor exports only spans of its own tracer and project key.
        self.tracer = self.provider.get_tracer(LANGFUSE_TRACER_NAME,
                                               attributes={"public_key": public_key})

    def _observation(self, obs: Observation, parent: otel.Span) -> Any:
        span = self.tracer.start_span(obs.name, context=otel.set_span_in_context(parent),
                                      start_time=_ns(obs.start))
        fields: dict[str, Any] = {"input": obs.input, "output": obs.output,
                                  "metadata": obs.metadata or None}
        if obs.status == "error":
            fields.update(level="ERROR", status_message=obs.status_message)
        if obs.type == "generation":
            fields.update(
                model=obs.model, model_parameters=obs.model_parameters or None,
                usage_details={"input": obs.input_tokens, "output": obs.output_tokens,
                               "total": obs.total_tokens},
                cost_details={"total": obs.cost},
                completion_start_time=(datetime.fromtimestamp(obs.completion_start, UTC)
                                       if obs.completion_start else None))
            if obs.prompt_name:
                fields["metadata"] = {**(obs.metadata or {}), "prompt_name": obs.prompt_name,
                                      "prompt_version": obs.prompt_version}
        fields["as_type"] = "generation" if obs.type == "generation" else "span"
        return self.client._create_observation_from_otel_span(otel_span=span, **fields)

    def export(self, trace: Trace) -> None:
        from langfuse import propagate_attributes

        tags = [*trace.tags, *([f"variant:{trace.variant}"] if trace.variant else [])]
        metadata = {"tenant": trace.tenant, "category": trace.category,
                    "variant": trace.variant, "status": trace.status}
        root_span = self.tracer.start_span(
            trace.name, context=remote_parent(trace.id), start_time=_ns(trace.start),
            attributes={"langfuse.internal.as_root": True})
        with otel.use_span(root_span, end_on_exit=False), propagate_attributes(
                user_id=trace.user_id or None, session_id=trace.session_id or None,
                tags=tags or None, metadata={k: str(v) for k, v in metadata.items() if v},
                trace_name=trace.name):
            root = self.client._create_observation_from_otel_span(
                otel_span=root_span, as_type="span", input=trace.input, output=trace.output,
                metadata={**trace.metadata, **metadata},
                level="ERROR" if trace.status != "ok" else None,
                status_message=trace.status_message or None)
            made: dict[str | None, Any] = {None: root}
            for obs in sorted(trace.observations, key=lambda o: o.start):
                parent = made.get(obs.parent_id, root)
                made[obs.id] = self._observation(obs, parent._otel_span)
            for obs in sorted(trace.observations, key=lambda o: -o.start):
                made[obs.id].end(end_time=_ns(obs.end or obs.start))
        root.end(end_time=_ns(trace.end or trace.start))
        self._scores(trace.scores, made)

    def export_scores(self, scores: list[Score]) -> None:
        """Scores that arrived after their trace was exported (feedback)."""
        self._scores(scores, {})

    def _scores(self, scores: list[Score], made: dict[str | None, Any]) -> None:
        for score in scores:
            fields: dict[str, Any] = dict(
                trace_id=score.trace_id, score_id=score.id, name=score.name,
                value=score.value if score.value is not None else (score.string_value or ""),
                data_type=score.data_type,
                observation_id=made[score.observation_id].id
                if score.observation_id in made else None,
                comment=score.comment or None, metadata={"source": score.source})
            self.client.create_score(**fields)

    def flush(self, timeout_s: float) -> None:
        self.client.flush()

    def shutdown(self) -> None:
        self.client.shutdown()

    def auth_check(self) -> bool:
        return bool(self.client.auth_check())
