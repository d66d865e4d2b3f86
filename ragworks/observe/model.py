"""The trace data model, aligned with Langfuse: a trace holds nested observations
(spans and generations) and scores."""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any


def new_trace_id() -> str:
    """32 hex characters: the same id serves as the OpenTelemetry and Langfuse trace id."""
    return secrets.token_hex(16)


def new_observation_id() -> str:
    """16 hex characters, like an OpenTelemetry span id."""
    return secrets.token_hex(8)


@dataclass
class Observation:
    id: str
    trace_id: str
    parent_id: str | None
    name: str
    type: str = "span"  # "span" | "generation"
    start: float = field(default_factory=time.time)
    end: float | None = None
    input: Any = None
    output: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # "ok" | "error"
    status_message: str = ""
    model: str = ""
    model_parameters: dict[str, Any] = field(default_factory=dict)
    prompt_name: str = ""
    prompt_version: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    completion_start: float | None = None

    @property
    def latency_ms(self) -> float:
        return round(((self.end or self.start) - self.start) * 1000, 3)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["latency_ms"] = self.latency_ms
        d["total_tokens"] = self.total_tokens
        return d


@dataclass
class Score:
    id: str
    trace_id: str
    name: str
    value: float | None
    string_value: str | None = None
    data_type: str = "NUMERIC"  # "NUMERIC" | "CATEGORICAL" | "BOOLEAN"
    source: str = "auto"  # "auto" | "user" | "eval" | "judge"
    observation_id: str | None = None
    comment: str = ""
    created_at: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Trace:
    id: str
    name: str
    tenant: str
    start: float = field(default_factory=time.time)
    end: float | None = None
    user_id: str = ""
    session_id: str = ""
    variant: str = ""
    tags: list[str] = field(default_factory=list)
    input: Any = None
    output: Any = None
    status: str = "ok"
    status_message: str = ""
    category: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    #: the query's embedding (numpy), summed into hourly rollups for drift; never exported
    query_vector: Any = field(default=None, repr=False, compare=False)

    @property
    def latency_ms(self) -> float:
        return round(((self.end or self.start) - self.start) * 1000, 3)

    def summary(self) -> dict[str, Any]:
        gens = [o for o in self.observations if o.type == "generation"]
        return {
            "id": self.id, "name": self.name, "tenant": self.tenant, "start": self.start,
            "end": self.end, "latency_ms": self.latency_ms, "user_id": self.user_id,
            "session_id": self.session_id, "variant": self.variant, "tags": self.tags,
            "status": self.status, "status_message": self.status_message,
            "category": self.category, "input": self.input, "output": self.output,
            "metadata": self.metadata,
            "input_tokens": sum(o.input_tokens for o in gens),
            "output_tokens": sum(o.output_tokens for o in gens),
            "cost": round(sum(o.cost for o in gens), 8),
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.summary()
        d["observations"] = [o.to_dict() for o in self.observations]
        d["scores"] = [s.to_dict() for s in self.scores]
        return d
