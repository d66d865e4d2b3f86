"""Drift of recent traffic against a baseline window, from rollups.

- **category mix**: population stability index (PSI) of the query categories;
- **query embeddings**: cosine distance between the recent and the baseline
  centroid of the query vectors (hourly sums kept by the trace store);
- **top retrieval score**: PSI of the histogram of each answer's best score.

Rule of thumb for PSI: < 0.1 stable, 0.1-0.25 moderate, > 0.25 significant.
The windows: recent = the last ``recent_s`` (default 24 h), baseline = the
``baseline_s`` (default 7 days) before it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ragworks.dashboard.data import DashboardData

EPS = 1e-4


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI between two count vectors over the same bins (smoothed; 0 = identical)."""
    e_total, a_total = sum(expected), sum(actual)
    if e_total == 0 or a_total == 0:
        return 0.0
    value = 0.0
    for e, a in zip(expected, actual, strict=True):
        pe, pa = max(e / e_total, EPS), max(a / a_total, EPS)
        value += (pa - pe) * math.log(pa / pe)
    return value


def _cosine_distance(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        return 0.0
    return float(1 - (a @ b) / (na * nb))


class Drift:
    def __init__(self, data: DashboardData, min_samples: int = 30) -> None:
        self.data, self.store, self.min_samples = data, data.store, min_samples

    def report(self, tenant: str, recent_s: float = 86400, baseline_s: float = 7 * 86400,
               now: float | None = None) -> dict[str, Any]:
        now = now or time.time()
        split = now - recent_s
        prefixes = ("category.", "score.top_retrieval_score")
        recent = self.data.window(tenant, recent_s, prefixes, now)
        base = self.data.window(tenant, baseline_s, prefixes, split, table="rollups_hour") \
            if baseline_s >= 2 * 86400 else self.data.window(tenant, baseline_s, prefixes, split)
        cats = sorted({s.removeprefix("category.") for s in (*recent, *base)
                       if s.startswith("category.")})
        r_cats = [recent[f"category.{c}"].count for c in cats]
        b_cats = [base[f"category.{c}"].count for c in cats]
        r_top, b_top = recent["score.top_retrieval_score"], base["score.top_retrieval_score"]
        enough_cats = min(sum(r_cats), sum(b_cats)) >= self.min_samples
        enough_top = min(r_top.count, b_top.count) >= self.min_samples and \
            len(r_top.buckets) == len(b_top.buckets)
        vec_recent = self._centroid(tenant, split, now)
        vec_base = self._centroid(tenant, split - baseline_s, split)
        enough_vec = min(vec_recent[1], vec_base[1]) >= self.min_samples
        return {
            "recent": {"since": split, "until": now}, "baseline": {
                "since": split - baseline_s, "until": split},
            "category_psi": round(psi(b_cats, r_cats), 4) if enough_cats else None,
            "categories": {"labels": cats, "recent": r_cats, "baseline": b_cats},
            "top_score_psi": round(psi(b_top.buckets, r_top.buckets), 4) if enough_top
            else None,
            "top_score": {"recent": r_top.buckets, "baseline": b_top.buckets,
                          "recent_mean": r_top.mean, "baseline_mean": b_top.mean},
            "embedding_shift": round(_cosine_distance(vec_recent[0], vec_base[0]), 5)
            if enough_vec else None,
            "samples": {"recent": sum(r_cats), "baseline": sum(b_cats),
                        "vectors_recent": vec_recent[1], "vectors_baseline": vec_base[1]},
            "embedding_shift_hourly": self._hourly_shift(tenant, vec_base[0], split, now)
            if vec_base[1] else [],
        }

    def _centroid(self, tenant: str, since: float, until: float) -> tuple[np.ndarray, int]:
        total, n = None, 0
        for _hour, count, vec in self.store.query_vectors(tenant, since, until):
            total = vec.copy() if total is None else total + vec
            n += count
        return (total / n if total is not None and n else np.zeros(1)), n

    def _hourly_shift(self, tenant: str, base: np.ndarray, since: float,
                      until: float) -> list[dict[str, float]]:
        return [{"t": hour, "shift": round(_cosine_distance(vec / count, base), 5),
                 "n": count}
                for hour, count, vec in self.store.query_vectors(tenant, since, until)
                if vec.shape == base.shape]
