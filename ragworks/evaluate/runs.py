"""Evaluation runs: per-item scores, aggregates, storage, and a paired comparison.

    row = score_item(item, answer, rec)   # one answered item (usecases.evaluating runs them)
    store.save(run); compare(store.get(a), store.get(b))
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, Protocol

from scipy import stats

from ragworks.evaluate.answers import token_f1
from ragworks.evaluate.retrieval import Item, mrr_at, ndcg_at, recall_at, source_ranking
from ragworks.generate.grounding import GroundingChecker
from ragworks.models import Answer
from ragworks.observe.recorder import TraceRecorder
from ragworks.storage.sqlite import SQLiteFile

ITEM_METRICS = ("recall@5", "mrr@10", "ndcg@10", "classification_correct", "answer_token_f1",
                "exact_match", "groundedness", "citation_precision", "latency_ms",
                "output_tokens", "judge_faithfulness", "judge_relevance")

#: metrics where less is better; every other metric is better higher
LOWER_IS_BETTER = frozenset({"latency_ms", "output_tokens"})


def verdict(metric: str, delta: float, p_value: float | None = None,
            alpha: float = 0.05) -> str:
    """"better", "worse" or "same" for a change of ``metric`` by ``delta``; with a
    ``p_value`` at or over ``alpha`` the change is "not significant" whatever its sign."""
    if delta == 0:
        return "same"
    if p_value is not None and p_value >= alpha:
        return "not significant"
    return "better" if (delta < 0) == (metric in LOWER_IS_BETTER) else "worse"


def item_changes(a: dict[str, Any], b: dict[str, Any], metric: str) -> list[dict[str, Any]]:
    """The questions both runs scored on ``metric`` whose value changed, worst change first,
    each with both answers: which questions got worse, and what was said."""
    by_q = {r["question"]: r for r in a["items"]}
    out = []
    for rb in b["items"]:
        ra = by_q.get(rb["question"])
        if ra is None or metric not in ra or metric not in rb or ra[metric] == rb[metric]:
            continue
        delta = rb[metric] - ra[metric]
        out.append({"question": rb["question"], "a": ra[metric], "b": rb[metric],
                    "delta": delta, "verdict": verdict(metric, delta),
                    "answer_a": ra.get("answer", ""), "answer_b": rb.get("answer", "")})
    gain = -1 if metric in LOWER_IS_BETTER else 1  # how much better each change is
    return sorted(out, key=lambda r: (gain * r["delta"], r["question"]))


def macro_f1(truth: Sequence[str], pred: Sequence[str]) -> float:
    """Unweighted mean of per-category F1 over the categories that occur."""
    scores = []
    for label in sorted(set(truth) | set(pred)):
        tp = sum(t == p == label for t, p in zip(truth, pred, strict=True))
        fp = sum(p == label != t for t, p in zip(truth, pred, strict=True))
        fn = sum(t == label != p for t, p in zip(truth, pred, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return sum(scores) / len(scores)


_CHECKER = GroundingChecker()  # the same claim-level check as the traces' groundedness


def score_item(item: Item, answer: Answer, rec: TraceRecorder) -> dict[str, Any]:
    """One item's metrics (only those its labels allow)."""
    row: dict[str, Any] = {"question": item.question, "category": answer.category,
                           "answer": answer.answer, "model": answer.model,
                           "top_k": answer.plan.top_k, "latency_ms": answer.latency_ms}
    gen = next((o for o in rec.trace.observations if o.name == "generate"), None)
    row["output_tokens"] = gen.output_tokens if gen else 0
    if item.relevant_sources:
        relevant = set(item.relevant_sources)
        ranked = source_ranking(answer.hits)
        row.update({"recall@5": recall_at(ranked, relevant, 5),
                    "mrr@10": mrr_at(ranked, relevant), "ndcg@10": ndcg_at(ranked, relevant)})
        cited = [c.source for c in answer.citations]
        row["citation_precision"] = (sum(s in relevant for s in cited) / len(cited)
                                     if cited else 0.0)
    if item.category:
        row["classification_correct"] = float(answer.category == item.category)
    if item.reference_answer:
        row["answer_token_f1"] = token_f1(answer.answer, item.reference_answer)
        row["exact_match"] = float(answer.answer.strip().lower()
                                   == item.reference_answer.strip().lower())
    if answer.covered and answer.hits:
        row["groundedness"] = _CHECKER.check(answer.answer, list(answer.hits),
                                             item.question).score
    return row


class RunStore(Protocol):
    """Stored runs; twins: ``SQLiteRunStore`` below, ``store_dynamodb.DynamoRunStore``."""

    def save(self, run: dict[str, Any]) -> None: ...

    def get(self, tenant: str, run_id: str) -> dict[str, Any] | None: ...

    def all(self, tenant: str) -> list[dict[str, Any]]:
        """Every run of the tenant without its items, newest first."""
        ...


class SQLiteRunStore:
    def __init__(self, db: SQLiteFile) -> None:
        self.db = db

    def save(self, run: dict[str, Any]) -> None:
        self.db.conn().execute(
            "INSERT OR REPLACE INTO eval_runs VALUES (?,?,?,?,?,?)",
            (run["id"], run["tenant"], run["dataset"], run["dataset_version"],
             run["created_at"], json.dumps(run)))

    def get(self, tenant: str, run_id: str) -> dict[str, Any] | None:
        row = self.db.conn().execute(
            "SELECT data FROM eval_runs WHERE tenant=? AND id=?", (tenant, run_id)).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in json.loads(r[0]).items() if k != "items"}
                for r in self.db.conn().execute(
                    "SELECT data FROM eval_runs WHERE tenant=? ORDER BY created_at DESC",
                    (tenant,))]


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Per metric: means, delta (b - a) and a paired t-test over the items both scored."""
    by_q = {r["question"]: r for r in a["items"]}
    out = []
    for metric in ITEM_METRICS:
        pairs = [(by_q[r["question"]][metric], r[metric]) for r in b["items"]
                 if r["question"] in by_q and metric in r and metric in by_q[r["question"]]]
        if not pairs:
            continue
        xa, xb = [p[0] for p in pairs], [p[1] for p in pairs]
        diffs = [y - x for x, y in pairs]
        if len(pairs) > 1 and any(d != diffs[0] for d in diffs):
            p_value = float(stats.ttest_rel(xb, xa).pvalue)
        else:
            p_value = 1.0 if all(d == 0 for d in diffs) else 0.0
        delta = sum(diffs) / len(diffs)
        p = None if math.isnan(p_value) else p_value
        out.append({"metric": metric, "n": len(pairs), "a": sum(xa) / len(xa),
                    "b": sum(xb) / len(xb), "delta": delta, "p_value": p,
                    "test": "paired t", "verdict": verdict(metric, delta, p),
                    "better": "lower" if metric in LOWER_IS_BETTER else "higher",
                    "changed": sum(d != 0 for d in diffs)})
    return out
