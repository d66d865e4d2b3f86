"""Per-minute rollups: what a finished trace adds to each metric series.

Dashboards read these rows (count, sum, min, max and a histogram per series and
minute) and never scan raw traces. Percentiles come from the histograms.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from ragworks.observe.model import Score, Trace

#: histogram bucket upper bounds; the last bucket is everything above.
LATENCY_BOUNDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000)
UNIT_BOUNDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def bounds_for(series: str) -> tuple[float, ...] | None:
    if series.startswith("latency."):
        return LATENCY_BOUNDS
    if series.startswith("score."):
        return UNIT_BOUNDS
    return None


def bucket_of(series: str, value: float) -> int | None:
    bounds = bounds_for(series)
    return None if bounds is None else bisect.bisect_left(bounds, value)


def percentile(series: str, buckets: Sequence[int], q: float,
               interpolate: bool = False) -> float | None:
    """The q-quantile (0 < q < 1) from a histogram: the upper bound of its bucket, or with
    ``interpolate`` a linear estimate inside the bucket (for charts)."""
    bounds = bounds_for(series)
    total = sum(buckets)
    if bounds is None or total == 0:
        return None
    seen = 0
    for i, n in enumerate(buckets):
        if n and seen + n >= q * total:
            if i >= len(bounds):
                return float("inf")
            if not interpolate:
                return float(bounds[i])
            lower = float(bounds[i - 1]) if i else 0.0
            return lower + (float(bounds[i]) - lower) * (q * total - seen) / n
        seen += n
    return float("inf")


#: rollup resolutions: (name, seconds)
WIDTHS = (("minute", 60), ("hour", 3600))


class Cell:
    """count, sum, min, max and histogram of one series in one time bucket.

    ``point`` adds one value; ``merge`` adds another cell's (or a stored row's) totals.
    Every writer (SQLite, DynamoDB, bulk seeding) and every reader (dashboards, alerts)
    aggregates through this one class."""

    __slots__ = ("buckets", "count", "max", "min", "sum")

    def __init__(self) -> None:
        self.count, self.sum, self.min, self.max = 0, 0.0, float("inf"), float("-inf")
        self.buckets: list[int] = []

    def point(self, series: str, value: float) -> None:
        self.count += 1
        self.sum += value
        self.min, self.max = min(self.min, value), max(self.max, value)
        b = bucket_of(series, value)
        if b is not None:
            if not self.buckets:
                self.buckets = [0] * (len(bounds_for(series) or ()) + 1)
            self.buckets[b] += 1

    def merge(self, count: int, total: float, lo: float, hi: float,
              buckets: Sequence[int]) -> None:
        self.count += count
        self.sum += total
        self.min, self.max = min(self.min, lo), max(self.max, hi)
        if buckets:
            if len(self.buckets) != len(buckets):
                self.buckets = [0] * len(buckets)
            self.buckets = [a + b for a, b in zip(self.buckets, buckets, strict=True)]

    @property
    def mean(self) -> float | None:
        return self.sum / self.count if self.count else None


#: who sent a trace: live users, or the service's own traffic (kept apart in rollups)
TRAFFIC = ("production", "evaluation", "sample", "synthetic")


def traffic(trace: Trace) -> str:
    """production, or evaluation (eval runs, the gate), sample (the demo's warm-up
    questions) or synthetic (seeded load): those never mix into production figures."""
    if trace.name == "eval_item" or "eval" in trace.tags:
        return "evaluation"
    for kind in ("sample", "synthetic"):
        if kind in trace.tags:
            return kind
    return "production"


def trace_points(trace: Trace) -> list[tuple[str, float]]:
    """(series, value) pairs that one finished trace contributes. Traffic that is not
    production lands under its own prefix (``evaluation:latency.query``), so production
    tiles, charts, alerts and drift never see it unless asked for it."""
    points = _points(trace)
    kind = traffic(trace)
    return points if kind == "production" else [(f"{kind}:{s}", v) for s, v in points]


def _points(trace: Trace) -> list[tuple[str, float]]:
    name = "query" if trace.name == "eval_item" else trace.name  # an evaluated question
    points: list[tuple[str, float]] = [(f"{name}.requests", 1.0),
                                       (f"latency.{name}", trace.latency_ms)]
    if trace.status != "ok":
        points.append((f"{name}.errors", 1.0))
    for obs in trace.observations:
        if obs.parent_id is None:
            points.append((f"latency.stage.{obs.name}", obs.latency_ms))
        if obs.type == "generation" and obs.model:
            points += [(f"tokens.input.{obs.model}", float(obs.input_tokens)),
                       (f"tokens.output.{obs.model}", float(obs.output_tokens)),
                       (f"cost.{obs.model}", obs.cost)]
            if obs.completion_start is not None:
                points.append((f"latency.ttft.{obs.model}",
                               (obs.completion_start - obs.start) * 1000))
    if trace.category:
        points.append((f"category.{trace.category}", 1.0))
    if trace.variant:
        points.append((f"variant.{trace.variant}.requests", 1.0))
        points.append((f"latency.variant.{trace.variant}", trace.latency_ms))
    # not covered: every refusal, and every answer the model could not write (the
    # extractive fallback's sentences stood in for it)
    if trace.metadata.get("covered") is False or any(
            o.type == "generation" and o.metadata.get("fallback_reason")
            for o in trace.observations):
        points.append((f"{name}.not_covered", 1.0))
    points += score_points(trace.scores)
    return points


def score_points(scores: Sequence[Score]) -> list[tuple[str, float]]:
    return [(f"score.{s.name}", float(s.value)) for s in scores if s.value is not None]
