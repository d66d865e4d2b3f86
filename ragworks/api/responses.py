"""What the API answers, as OpenAPI describes it (``/openapi.json``, ``/docs``).

Every route declares one of these, so a client knows the fields it can rely on. Objects
that stores keep as documents (a trace, an experiment, a run) name their stable fields
and let the rest through (``extra="allow"``): a field added later reaches clients
without a release of this file, and none is ever dropped by the validation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ragworks.models import Chunk, Document


class Open(BaseModel):
    """An object with these fields at least."""
    model_config = ConfigDict(extra="allow")


class DocumentDetail(BaseModel):
    document: Document
    chunks: list[Chunk] = Field(description="Its chunks in reading order, with offsets")


class TraceSummary(Open):
    id: str
    name: str = Field(description="query, ingest, eval_item, ...")
    start: float = Field(description="epoch seconds")
    status: str = Field("ok", description="ok or error")


class TraceList(BaseModel):
    traces: list[TraceSummary]
    total: int
    limit: int
    offset: int


class TraceDetail(Open):
    id: str
    name: str
    start: float
    observations: list[dict[str, Any]] = Field(
        description="spans and generations, each with its parent_id, timing, input, output")
    scores: list[dict[str, Any]] = Field(default_factory=list)


class FeedbackSaved(BaseModel):
    feedback: dict[str, Any] = Field(description="The stored feedback")
    created: bool = Field(description="False when it updated the user's earlier feedback")


class KeyInfo(Open):
    id: str = Field(description="The first 12 hex digits of the key's hash")
    name: str
    scopes: list[str]


class KeyList(BaseModel):
    keys: list[KeyInfo]


class NewKeyCreated(BaseModel):
    key: str = Field(description="The key itself: shown this once, never stored")
    id: str
    name: str
    scopes: list[str]


class KeyRevoked(BaseModel):
    id: str
    name: str
    revoked: bool


class Job(Open):
    id: str
    kind: str = Field(description="ingest, eval_run, alerts, retention")
    status: str = Field(description="queued, running, retrying, done or failed")
    done: int = 0
    total: int = 1
    error: str | None = None


class JobList(BaseModel):
    jobs: list[Job]


class Experiment(Open):
    id: str
    name: str
    status: str = Field(description="draft, running or stopped")
    variants: list[dict[str, Any]]


class ExperimentList(BaseModel):
    experiments: list[Experiment]
    active_config: dict[str, Any] = Field(description="The promoted overrides in force")
    config_history: list[dict[str, Any]]


class ExperimentResults(Open):
    experiment: Experiment
    control: str
    alpha: float
    method: str
    variants: list[dict[str, Any]] = Field(
        description="Per variant: samples, estimate, lift, p-values, decision, guardrails")


class Promoted(Open):
    """The configuration now in force, and where it came from."""


class DatasetSaved(BaseModel):
    name: str
    version: int
    items: int
    new: bool = Field(description="False: the same content was there already")


class DatasetInfo(Open):
    name: str
    version: int


class DatasetList(BaseModel):
    datasets: list[DatasetInfo]


class EvalRun(Open):
    id: str
    dataset: str
    aggregates: dict[str, Any] = Field(description="The run's metrics")


class EvalRunList(BaseModel):
    runs: list[Open]


class RunComparison(BaseModel):
    a: str
    b: str
    metrics: list[dict[str, Any]] = Field(
        description="Per metric: a, b, delta (b - a), paired p-value, better")


class Tiles(Open):
    requests_last_hour: int
    not_covered_rate: float | None = None


class Series(Open):
    """Per chart, its buckets and values."""


class DriftReport(Open):
    """Query-embedding drift of the recent hours against the week before."""


class Timeline(BaseModel):
    events: list[dict[str, Any]] = Field(description="Promotions, experiments and alerts, "
                                         "newest first")


class RecentFeedback(BaseModel):
    feedback: list[dict[str, Any]]


class AlertRule(Open):
    id: str
    name: str
    metric: str
    comparator: str
    threshold: float
    state: str = Field(description="ok, pending, firing, resolving or resolved")
    samples: int | None = Field(None, description="What the last evaluation saw; below "
                                "min_samples the rule says insufficient data")


class AlertRules(Open):
    rules: list[AlertRule]


class AlertHistory(Open):
    events: list[dict[str, Any]]


class AlertsEvaluated(BaseModel):
    evaluated: int
    rules: list[AlertRule]
