"""Evaluate a dataset: every item answered as live traffic would be, then scored.

    run = run_eval(svc, items, "golden@2", "acme", overrides={"top_k": 3})
    # in the background: usecases.jobs.submit(svc, "acme", "eval_run", {...}); a worker runs it

Items go through ``answer`` with the tenant's active configuration and the run's
overrides over it (never an experiment's variant), traced as "eval_item" with the
item's scores on the trace.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

import structlog

from ragworks.classify.model import confusion
from ragworks.errors import BadInput
from ragworks.evaluate.judge import LLMJudge
from ragworks.evaluate.retrieval import Item
from ragworks.evaluate.runs import ITEM_METRICS, macro_f1, score_item
from ragworks.experiments.service import check_overrides
from ragworks.models import CATEGORIES, Answer, content_hash
from ragworks.observe.recorder import TraceRecorder
from ragworks.services import Services
from ragworks.usecases.answering import Asking, answer

log = structlog.get_logger(__name__)


def run_eval(svc: Services, items: Sequence[Item], dataset: str, tenant: str = "default",
             overrides: dict[str, Any] | None = None,
             progress: Callable[[], None] | None = None,
             judge: LLMJudge | None = None) -> dict[str, Any]:
    """Answer every item and score it (and judge it, when a judge is given)."""
    rows = []
    unparsed = 0
    for item in items:
        row: dict[str, Any] = {}

        def scored(answer_: Answer, rec: TraceRecorder, item: Item = item,
                   row: dict[str, Any] = row) -> None:
            nonlocal unparsed
            row.update(score_item(item, answer_, rec))
            if judge is not None and answer_.covered and answer_.plan.mode != "none":
                grades = judge.grade(item.question, answer_.answer, answer_.hits,
                                     item.reference_answer, rec)
                if grades is None:
                    unparsed += 1
                else:
                    row.update(grades)
            for metric in ITEM_METRICS:
                if metric in row and metric not in ("latency_ms", "output_tokens"):
                    rec.score(metric, row[metric],
                              source="llm_judge" if metric.startswith("judge_") else "eval")
            row["trace_id"] = rec.trace_id

        answer(svc, item.question, Asking(
            tenant=tenant, include_hits=True, overrides=overrides or {}, tags=("eval", dataset),
            trace_name="eval_item", trace_input={"question": item.question, "dataset": dataset}),
            after=scored)
        rows.append(row)
        if progress:
            progress()
    aggregates: dict[str, Any] = {m: round(sum(r[m] for r in rows if m in r) / n, 4)
                                  for m in ITEM_METRICS if (n := sum(m in r for r in rows))}
    labelled = [(i.category, r["category"]) for i, r in zip(items, rows, strict=True)
                if i.category]
    if labelled:
        truth, pred = [t for t, _ in labelled], [p for _, p in labelled]
        aggregates["classification_macro_f1"] = round(macro_f1(truth, pred), 4)
        aggregates["confusion"] = {"labels": list(CATEGORIES),
                                   "matrix": confusion(truth, pred)}
    if judge is not None:
        aggregates["judge_unparsed"] = unparsed
    return {"id": "run_" + secrets.token_hex(6), "tenant": tenant, "dataset": dataset,
            "dataset_version": content_hash(*(i.question for i in items), length=12),
            "overrides": overrides or {}, "judge": judge.name if judge else None,
            "created_at": time.time(), "aggregates": aggregates,
            "items": rows}


def resolve_variant(svc: Services, tenant: str,
                    variant: str | dict[str, Any] | None) -> dict[str, Any]:
    """Overrides from a dict (checked) or from "EXPERIMENT_ID/VARIANT"."""
    if not variant:
        return {}
    if isinstance(variant, dict):
        return check_overrides(variant, lambda: svc.built_profiles().keys())
    exp_id, _, name = variant.partition("/")
    exp = svc.experiments.get(tenant, exp_id)
    chosen = next((v for v in exp["variants"] if v["name"] == name), None)
    if chosen is None:
        raise BadInput(f"{exp_id} has no variant {name!r}")
    return dict(chosen["overrides"])
