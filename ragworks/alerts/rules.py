"""Alert rules: a metric measured over a window, compared with a threshold.

    {"name": "p95 latency", "metric": "latency_ms", "aggregation": "p95",
     "window_s": 300, "comparator": ">", "threshold": 2000, "min_samples": 20,
     "for_s": 120, "webhooks": ["https://hooks.slack.com/..."]}

Metrics (what each rule can watch):

| metric | aggregations | value |
|---|---|---|
| `latency_ms` | p50, p95, p99, mean, max | latency of query traces |
| `error_rate` | rate | errors / queries |
| `not_covered_rate` | rate | "not covered" answers / queries |
| `negative_feedback_rate` | rate | thumbs-down share of rated answers |
| `low_top_score_rate` | rate | share of answers whose best retrieval score is under 0.4 |
| `requests` | count, per_minute | query volume |
| `score:<name>` | mean, p50, p95, min, max | any score (groundedness, ...) |
| `drift_category_psi`, `drift_top_score_psi`, `drift_embedding_shift` | value | see drift.py |

A window with fewer than ``min_samples`` samples never fires (``value`` is None).
"""

from __future__ import annotations

from typing import Any

from ragworks.dashboard.data import DashboardData
from ragworks.dashboard.drift import Drift
from ragworks.errors import BadInput
from ragworks.observe.rollups import UNIT_BOUNDS, Cell, percentile

AGGREGATIONS = {
    "latency_ms": ("p50", "p95", "p99", "mean", "max"),
    "error_rate": ("rate",), "not_covered_rate": ("rate",),
    "negative_feedback_rate": ("rate",), "low_top_score_rate": ("rate",),
    "requests": ("count", "per_minute"),
    "drift_category_psi": ("value",), "drift_top_score_psi": ("value",),
    "drift_embedding_shift": ("value",),
}
SCORE_AGGREGATIONS = ("mean", "p50", "p95", "min", "max")
COMPARATORS = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}
LOW_TOP_SCORE = 0.4

DEFAULT_RULES: list[dict[str, Any]] = [
    {"name": "p95 latency over 3 s", "metric": "latency_ms", "aggregation": "p95",
     "window_s": 300, "comparator": ">", "threshold": 3000, "min_samples": 20, "for_s": 120},
    {"name": "error rate over 5%", "metric": "error_rate", "aggregation": "rate",
     "window_s": 300, "comparator": ">", "threshold": 0.05, "min_samples": 20, "for_s": 60},
    {"name": "negative feedback over 30%", "metric": "negative_feedback_rate",
     "aggregation": "rate", "window_s": 3600, "comparator": ">", "threshold": 0.3,
     "min_samples": 10, "for_s": 0},
    {"name": "not covered over 25%", "metric": "not_covered_rate", "aggregation": "rate",
     "window_s": 900, "comparator": ">", "threshold": 0.25, "min_samples": 20, "for_s": 300},
    {"name": "weak retrieval over 30%", "metric": "low_top_score_rate", "aggregation": "rate",
     "window_s": 900, "comparator": ">", "threshold": 0.3, "min_samples": 20, "for_s": 300},
    {"name": "category mix drift", "metric": "drift_category_psi", "aggregation": "value",
     "window_s": 86400, "comparator": ">", "threshold": 0.25, "min_samples": 30, "for_s": 0},
    {"name": "query embedding drift", "metric": "drift_embedding_shift",
     "aggregation": "value", "window_s": 86400, "comparator": ">", "threshold": 0.15,
     "min_samples": 30, "for_s": 0},
]


#: what defines a rule (its state is kept apart: see alerts.store.FIELDS)
RULE_FIELDS = ("name", "metric", "aggregation", "window_s", "comparator", "threshold",
               "min_samples", "for_s", "webhooks")


def check_rule(spec: dict[str, Any]) -> dict[str, Any]:
    """A complete rule, or BadInput saying what is wrong."""
    name = str(spec.get("name") or "").strip()
    if not name or len(name) > 200:
        raise BadInput("a rule needs a name (1-200 characters)")
    metric = str(spec.get("metric") or "")
    allowed = SCORE_AGGREGATIONS if metric.startswith("score:") else AGGREGATIONS.get(metric)
    if allowed is None:
        raise BadInput(f"unknown metric {metric!r} (known: {', '.join(AGGREGATIONS)}, "
                       "score:<name>)")
    aggregation = str(spec.get("aggregation") or allowed[0])
    if aggregation not in allowed:
        raise BadInput(f"aggregation {aggregation!r} does not apply to {metric} "
                       f"(use {', '.join(allowed)})")
    comparator = str(spec.get("comparator") or ">")
    if comparator not in COMPARATORS:
        raise BadInput(f"comparator must be one of {' '.join(COMPARATORS)}")
    try:
        threshold = float(spec["threshold"])
        window_s = float(spec.get("window_s", 300))
        min_samples = int(spec.get("min_samples", 1))
        for_s = float(spec.get("for_s", 0))
    except KeyError:
        raise BadInput("a rule needs a threshold") from None
    except (TypeError, ValueError):
        raise BadInput("threshold, window_s, min_samples and for_s must be numbers") from None
    if not 60 <= window_s <= 30 * 86400:
        raise BadInput("window_s must be between 60 and 2592000 (30 days)")
    if min_samples < 0 or for_s < 0:
        raise BadInput("min_samples and for_s cannot be negative")
    hooks = spec.get("webhooks") or []
    if not isinstance(hooks, list) or not all(
            isinstance(h, str) and h.startswith(("http://", "https://")) for h in hooks):
        raise BadInput("webhooks must be a list of http(s) URLs")
    return {"name": name, "metric": metric, "aggregation": aggregation,
            "window_s": window_s, "comparator": comparator, "threshold": threshold,
            "min_samples": min_samples, "for_s": for_s, "webhooks": hooks}


def _rate(num: Cell, den: Cell) -> tuple[float | None, int]:
    return (num.count / den.count if den.count else None), den.count


def measure(data: DashboardData, drift: Drift, tenant: str, rule: dict[str, Any],
            now: float) -> tuple[float | None, int]:
    """(value, samples) of a rule's metric over its window; value None when unknown."""
    metric, agg, window = rule["metric"], rule["aggregation"], rule["window_s"]
    if metric.startswith("drift_"):
        report = drift.report(tenant, recent_s=window, now=now)
        key = metric.removeprefix("drift_")
        return report[key], int(report["samples"]["recent"])
    if metric == "latency_ms":
        a = data.window(tenant, window, ("latency.query",), now)["latency.query"]
        return _aggregate("latency.query", a, agg), a.count
    if metric.startswith("score:"):
        name = "score." + metric.removeprefix("score:")
        a = data.window(tenant, window, (name,), now)[name]
        return _aggregate(name, a, agg), a.count
    if metric == "negative_feedback_rate":
        a = data.window(tenant, window, ("score.thumbs_up",), now)["score.thumbs_up"]
        return (1 - a.sum / a.count if a.count else None), a.count
    if metric == "low_top_score_rate":
        a = data.window(tenant, window, ("score.top_retrieval_score",),
                        now)["score.top_retrieval_score"]
        low = sum(a.buckets[: UNIT_BOUNDS.index(LOW_TOP_SCORE)])
        return (low / a.count if a.count else None), a.count
    w = data.window(tenant, window, ("query.",), now)
    if metric == "requests":
        n = w["query.requests"].count
        return (n if agg == "count" else n / (window / 60)), n
    part = {"error_rate": "query.errors", "not_covered_rate": "query.not_covered"}[metric]
    return _rate(w[part], w["query.requests"])


def _aggregate(series: str, a: Cell, agg: str) -> float | None:
    if not a.count:
        return None
    if agg == "mean":
        return a.mean
    if agg == "max":
        return a.max
    if agg == "min":
        return a.min
    value = percentile(series, a.buckets, {"p50": 0.5, "p95": 0.95, "p99": 0.99}[agg],
                       interpolate=True)
    return None if value is None else min(value, a.max)  # the top bucket is open-ended
