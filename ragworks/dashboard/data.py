"""Dashboard numbers, read from rollups only (never from raw traces).

    data = DashboardData(store)
    data.tiles("acme")                 # live tiles
    data.series("acme", "24h")         # every trend chart of a range

Ranges and their resolution: 1h -> 1-minute points, 24h -> 15-minute points (both
from the per-minute rollups), 7d -> hourly and 30d -> 6-hourly (from the hourly
rollups). Percentiles come from the merged histograms of a bucket.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from ragworks.errors import BadInput
from ragworks.observe.rollups import TRAFFIC, Cell, percentile
from ragworks.observe.store import RollupRow, TraceStore

#: range -> (seconds, step seconds, table)
RANGES: dict[str, tuple[int, int, str]] = {
    "1h": (3600, 60, "rollups"), "24h": (86400, 900, "rollups"),
    "7d": (7 * 86400, 3600, "rollups_hour"), "30d": (30 * 86400, 6 * 3600, "rollups_hour"),
}
#: series prefixes the trend charts read
PREFIXES = ("query.", "latency.", "tokens.", "cost.", "category.", "score.", "variant.")


def _finite(value: float | None) -> float | None:
    return None if value is None or value == float("inf") else round(value, 4)


def _pct(a: Cell, q: float, series: str = "latency.query") -> float | None:
    """Interpolated percentile, never above the largest value seen."""
    value = percentile(series, a.buckets, q, interpolate=True)
    return None if value is None else min(value, a.max)


class DashboardData:
    """``traffic``: production (the default) or the service's own traffic kept apart:
    evaluation, sample or synthetic (see ``observe.rollups.traffic``)."""

    def __init__(self, store: TraceStore, traffic: str = "production") -> None:
        if traffic not in TRAFFIC:
            raise BadInput(f"traffic must be one of {', '.join(TRAFFIC)}")
        self.store, self.traffic = store, traffic

    # -- reading rollups ---------------------------------------------------------------
    def window(self, tenant: str, seconds: float, prefixes: Iterable[str] = PREFIXES,
               now: float | None = None, table: str = "rollups") -> dict[str, Cell]:
        """Every series under the prefixes, merged over the last ``seconds``."""
        now = now or time.time()
        out: dict[str, Cell] = defaultdict(Cell)
        for series, _t, count, total, lo, hi, buckets in self._rows(
                tenant, now - seconds, now, prefixes, table):
            out[series].merge(count, total, lo, hi, buckets)
        return out

    def _rows(self, tenant: str, since: float, until: float, prefixes: Iterable[str],
              table: str) -> Iterator[RollupRow]:
        if self.traffic == "production":
            yield from self.store.rollup_rows(tenant, since, until, tuple(prefixes),
                                              hourly=table == "rollups_hour")
            return
        mark = f"{self.traffic}:"
        for series, t, count, total, lo, hi, buckets in self.store.rollup_rows(
                tenant, since, until, tuple(mark + p for p in prefixes),
                hourly=table == "rollups_hour"):
            yield series.removeprefix(mark), t, count, total, lo, hi, buckets

    def suggested_range(self, tenant: str, now: float | None = None) -> str:
        """The smallest range that holds all of the last 30 days' questions, so that a
        fresh install's first hour fills the chart instead of a sliver of a day."""
        now = now or time.time()
        first = min((t for _s, t, count, *_ in self._rows(
            tenant, now - 30 * 86400, now + 1, ("query.requests",), "rollups_hour")
            if count), default=None)
        if first is None:
            return "1h"
        if first >= now - 2 * 3600:  # hourly rows are too coarse for the last hours
            first = min((t for _s, t, count, *_ in self._rows(
                tenant, now - 2 * 3600, now + 1, ("query.requests",), "rollups") if count),
                default=first)
        span = now - first
        return next((name for name, (seconds, _step, _table) in RANGES.items()
                     if span <= seconds * 0.95), "30d")

    # -- tiles ---------------------------------------------------------------------------
    def tiles(self, tenant: str, now: float | None = None) -> dict[str, Any]:
        now = now or time.time()
        hour = self.window(tenant, 3600, ("query.", "latency.query", "tokens.", "cost.",
                                          "score.top_retrieval_score"), now)
        recent = self.window(tenant, 300, ("query.requests",), now)
        day = self.window(tenant, 86400, ("score.thumbs_up",), now)
        week = self.window(tenant, 7 * 86400, ("score.classification_correct",), now,
                           table="rollups_hour")
        requests = hour["query.requests"].count
        lat = hour["latency.query"]

        def rate(num: str) -> float | None:
            return round(hour[num].count / requests, 4) if requests else None

        tokens = sum(a.sum for s, a in hour.items() if s.startswith("tokens."))
        cost = sum(a.sum for s, a in hour.items() if s.startswith("cost."))
        return {
            "at": now,
            "requests_per_minute": round(recent["query.requests"].count / 5, 2),
            "requests_last_hour": requests,
            "latency_p50_ms": _finite(_pct(lat, 0.5)),
            "latency_p95_ms": _finite(_pct(lat, 0.95)),
            "error_rate": rate("query.errors"),
            "not_covered_rate": rate("query.not_covered"),
            "tokens_per_hour": int(tokens),
            "cost_per_hour": round(cost, 6),
            "positive_feedback_rate": _finite(day["score.thumbs_up"].mean),
            "feedback_count": day["score.thumbs_up"].count,
            "classification_accuracy": _finite(week["score.classification_correct"].mean),
            "classification_labelled": week["score.classification_correct"].count,
        }

    # -- trend charts --------------------------------------------------------------------
    def series(self, tenant: str, range_: str, now: float | None = None) -> dict[str, Any]:
        if range_ not in RANGES:
            raise BadInput(f"range must be one of {', '.join(RANGES)}, not {range_!r}")
        seconds, step, table = RANGES[range_]
        now = now or time.time()
        start = (int(now - seconds) // step + 1) * step
        times = list(range(start, int(now) + 1, step))
        index = {t: i for i, t in enumerate(times)}
        cells: dict[str, list[Cell]] = {}
        for series, t, count, total, lo, hi, buckets in self._rows(
                tenant, start, now + 1, PREFIXES, table):
            i = index.get(int(t // step) * step)
            if i is None:
                continue
            row = cells.get(series)
            if row is None:
                row = cells[series] = [Cell() for _ in times]
            row[i].merge(count, total, lo, hi, buckets)
        empty = [Cell() for _ in times]

        def counts(name: str) -> list[int]:
            return [a.count for a in cells.get(name, empty)]

        def pct(name: str, q: float) -> list[float | None]:
            return [_finite(None if v is None else min(v, a.max)) for a in cells.get(name, empty)
                    for v in [percentile(name, a.buckets, q, interpolate=True)]]

        def means(name: str) -> list[float | None]:
            return [_finite(a.mean) for a in cells.get(name, empty)]

        def named(prefix: str) -> list[str]:
            return sorted(s.removeprefix(prefix) for s in cells if s.startswith(prefix))

        stages = named("latency.stage.")
        top = Cell()
        for a in cells.get("score.top_retrieval_score", []):
            top.merge(a.count, a.sum, a.min, a.max, a.buckets)
        variants = sorted({s.split(".")[1] for s in cells if s.startswith("variant.")})
        return {
            "range": range_, "step": step, "t": times,
            "volume": {"requests": counts("query.requests"), "errors": counts("query.errors"),
                       "not_covered": counts("query.not_covered")},
            "latency": {"p50": pct("latency.query", 0.5), "p95": pct("latency.query", 0.95),
                        "p99": pct("latency.query", 0.99)},
            "stages": {s: {"p50": pct(f"latency.stage.{s}", 0.5),
                           "p95": pct(f"latency.stage.{s}", 0.95)} for s in stages},
            "tokens": {m: [int(a.sum) for a in cells[f"tokens.output.{m}"]]
                       for m in named("tokens.output.")},
            "cost": {m: [round(a.sum, 6) for a in cells[f"cost.{m}"]] for m in named("cost.")},
            "categories": {c: counts(f"category.{c}") for c in named("category.")},
            "top_score": {"mean": means("score.top_retrieval_score"),
                          "histogram": top.buckets, "bounds": [
                              0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]},
            "feedback": {"positive_rate": means("score.thumbs_up"),
                         "count": counts("score.thumbs_up")},
            "groundedness": means("score.groundedness"),
            "classification_accuracy": means("score.classification_correct"),
            "variants": {v: {"requests": counts(f"variant.{v}.requests"),
                             "p95": pct(f"latency.variant.{v}", 0.95)} for v in variants},
        }
