"""Drift of recent traffic against a baseline window, from rollups.

- **category mix**: population stability index (PSI) of the query categories;
- **query embeddings**: the distance between the recent and the baseline mean of
  the (unit) query vectors, with the sampling noise removed: a linear-kernel MMD,
  unbiased. A plain centroid distance grows as samples shrink (in 384 dimensions
  two samples of 200 queries from the same traffic are ~0.1 apart); this one
  stays near 0 for the same traffic at any sample size;
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


def mean_shift(sum_a: np.ndarray, n_a: int, sum_b: np.ndarray, n_b: int) -> float | None:
    """Unbiased distance between the means of two samples of unit vectors.

    E||m_a - m_b||^2 = ||mu_a - mu_b||^2 + tr(S_a)/n_a + tr(S_b)/n_b, and for unit
    vectors tr(S) = 1 - ||mu||^2, with ||mu||^2 estimated as (n||m||^2 - 1)/(n - 1)."""
    if n_a < 2 or n_b < 2 or sum_a.shape != sum_b.shape:
        return None
    m_a, m_b = sum_a / n_a, sum_b / n_b
    mu2_a = (n_a * float(m_a @ m_a) - 1) / (n_a - 1)
    mu2_b = (n_b * float(m_b @ m_b) - 1) / (n_b - 1)
    d2 = float((m_a - m_b) @ (m_a - m_b)) - (1 - mu2_a) / n_a - (1 - mu2_b) / n_b
    return math.sqrt(max(d2, 0.0))


class Drift:
    def __init__(self, data: DashboardData, min_samples: int = 30) -> None:
        self.data, self.store, self.min_samples = data, data.store, min_samples

    def report(self, tenant: str, recent_s: float = 86400, baseline_s: float = 7 * 86400,
               now: float | None = None) -> dict[str, Any]:
        now = now or time.time()
        split = now - recent_s
        prefixes = ("category.", "score.top_retrieval_score")
        recent = self.data.window(tenant, recent_s, prefixes, now)
        # the baseline ends at the last whole hour before the recent window (hourly rows
        # and query-vector sums must not overlap it)
        base_end = int(split // 3600) * 3600
        base = self.data.window(tenant, baseline_s, prefixes, base_end, table="rollups_hour")
        cats = sorted({s.removeprefix("category.") for s in (*recent, *base)
                       if s.startswith("category.")})
        r_cats = [recent[f"category.{c}"].count for c in cats]
        b_cats = [base[f"category.{c}"].count for c in cats]
        r_top, b_top = recent["score.top_retrieval_score"], base["score.top_retrieval_score"]
        enough_cats = min(sum(r_cats), sum(b_cats)) >= self.min_samples
        enough_top = min(r_top.count, b_top.count) >= self.min_samples and \
            len(r_top.buckets) == len(b_top.buckets)
        vec_recent = self._centroid(tenant, split, now)
        vec_base = self._centroid(tenant, base_end - baseline_s, base_end)
        enough_vec = min(vec_recent[1], vec_base[1]) >= self.min_samples
        return {
            "recent": {"since": split, "until": now}, "baseline": {
                "since": base_end - baseline_s, "until": base_end},
            "category_psi": round(psi(b_cats, r_cats), 4) if enough_cats else None,
            "categories": {"labels": cats, "recent": r_cats, "baseline": b_cats},
            "top_score_psi": round(psi(b_top.buckets, r_top.buckets), 4) if enough_top
            else None,
            "top_score": {"recent": r_top.buckets, "baseline": b_top.buckets,
                          "recent_mean": r_top.mean, "baseline_mean": b_top.mean},
            "embedding_shift": round(mean_shift(*vec_recent, *vec_base) or 0.0, 5)
            if enough_vec else None,
            "min_samples": self.min_samples,
            "samples": {"recent": sum(r_cats), "baseline": sum(b_cats),
                        "vectors_recent": vec_recent[1], "vectors_baseline": vec_base[1]},
            # per hour over both windows: flat in the baseline, a step where traffic moved
            "embedding_shift_hourly": self._hourly_shift(tenant, *vec_base,
                                                         base_end - baseline_s, now),
        }

    def _centroid(self, tenant: str, since: float, until: float) -> tuple[np.ndarray, int]:
        """(sum of the query vectors, how many) in a window."""
        total, n = np.zeros(1), 0
        for _hour, count, vec in self.store.query_vectors(tenant, since, until):
            total = vec.copy() if n == 0 else total + vec
            n += count
        return total, n

    def _hourly_shift(self, tenant: str, base_sum: np.ndarray, base_n: int, since: float,
                      until: float) -> list[dict[str, float]]:
        out = []
        for hour, count, vec in self.store.query_vectors(tenant, since, until):
            shift = mean_shift(vec, count, base_sum, base_n)
            if shift is not None:
                out.append({"t": hour, "shift": round(shift, 5), "n": count})
        return out
