"""Statistics for A/B results.

- two-proportion z-test for rates (thumbs up), Welch's t-test for means (scores,
  latency), each with a 95% confidence interval of the difference;
- a decision that stays valid however often the results are looked at: the
  mixture sequential probability ratio test (mSPRT, Johari et al. 2017) on the
  difference, with a normal mixing distribution. Its always-valid p-value is
  1 / Lambda; a winner is declared only when it falls below alpha. "No difference"
  needs both the minimum sample size and a confidence interval inside the
  minimum detectable effect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class Comparison:
    n_control: int
    n_variant: int
    control: float
    variant: float
    diff: float
    ci_low: float
    ci_high: float
    lift: float | None
    p_value: float
    always_valid_p: float
    test: str


def two_proportions(x0: int, n0: int, x1: int, n1: int) -> tuple[float, float, float]:
    """(difference, its standard error, two-sided p-value) of the pooled z-test."""
    p0, p1 = x0 / n0, x1 / n1
    pooled = (x0 + x1) / (n0 + n1)
    se_pooled = math.sqrt(max(pooled * (1 - pooled) * (1 / n0 + 1 / n1), 1e-12))
    z = (p1 - p0) / se_pooled
    se = math.sqrt(max(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1, 1e-12))
    return p1 - p0, se, float(2 * stats.norm.sf(abs(z)))


def welch(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    """(difference of means b - a, its standard error, two-sided Welch p-value)."""
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    var_a = stats.tvar(a) if len(a) > 1 else 0.0
    var_b = stats.tvar(b) if len(b) > 1 else 0.0
    se = math.sqrt(max(var_a / len(a) + var_b / len(b), 1e-12))
    p = float(stats.ttest_ind(b, a, equal_var=False).pvalue) if len(a) > 1 and len(b) > 1 \
        else 1.0
    return mean_b - mean_a, se, 1.0 if math.isnan(p) else p


def msprt_p(diff: float, se: float, tau: float) -> float:
    """Always-valid p-value of H0: diff = 0 under a N(0, tau^2) mixture."""
    v, t2 = se * se, tau * tau
    log_lambda = 0.5 * math.log(v / (v + t2)) + diff * diff * t2 / (2 * v * (v + t2))
    return float(min(1.0, math.exp(-log_lambda)))


def compare_rates(x0: int, n0: int, x1: int, n1: int, tau: float = 0.1) -> Comparison:
    diff, se, p = two_proportions(x0, n0, x1, n1)
    c0, c1 = x0 / n0, x1 / n1
    return Comparison(n0, n1, c0, c1, diff, diff - 1.96 * se, diff + 1.96 * se,
                      diff / c0 if c0 else None, p, msprt_p(diff, se, tau), "two-proportion z")


def compare_means(a: Sequence[float], b: Sequence[float], tau: float) -> Comparison:
    diff, se, p = welch(a, b)
    c0, c1 = sum(a) / len(a), sum(b) / len(b)
    return Comparison(len(a), len(b), c0, c1, diff, diff - 1.96 * se, diff + 1.96 * se,
                      diff / c0 if c0 else None, p, msprt_p(diff, se, tau), "Welch t")


def decide(c: Comparison, alpha: float, min_samples: int, mde: float,
           higher_is_better: bool = True) -> str:
    if min(c.n_control, c.n_variant) < 2:
        return "keep running"
    if c.always_valid_p < alpha:
        better = c.diff > 0 if higher_is_better else c.diff < 0
        return "variant wins" if better else "control wins"
    if min(c.n_control, c.n_variant) >= min_samples and -mde < c.ci_low and c.ci_high < mde:
        return "no difference"
    return "keep running"
