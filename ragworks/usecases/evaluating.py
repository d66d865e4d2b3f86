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
from ragworks.evaluate.retrieval import Item, RetrievalReport, evaluate_retrieval
from ragworks.evaluate.runs import ITEM_METRICS, macro_f1, score_item
from ragworks.experiments.service import check_overrides
from ragworks.models import CATEGORIES, Answer, Hit, Scope, content_hash
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


def routed_search(svc: Services, question: str, scope: Scope, dense_weight: float,
                  trace: TraceRecorder | None = None) -> list[Hit]:
    """Retrieval as the pipeline does it (multi-hop questions are decomposed), top 10."""
    category, confidence = svc.classifier.predict(question)
    plan = svc.pipeline.planner.plan(question, category, confidence)
    plan = plan.model_copy(update={"mode": "hybrid", "top_k": 10})
    if trace is None:
        return svc.retriever.retrieve(question, scope, plan, dense_weight)
    trace.trace.category = category
    with trace.span("retrieve", input=question) as span:
        hits = svc.retriever.retrieve(question, scope, plan, dense_weight, trace=trace)
        span.output = [h.chunk.source for h in hits]
    return hits


def evaluate_retrieval_modes(svc: Services, items: Sequence[Item], scope: Scope,
                             modes: Sequence[str], dataset: str,
                             progress: Callable[[str, int], Callable[[], None]],
                             ) -> tuple[list[RetrievalReport], dict[str, Any]]:
    """recall@5, MRR@10 and nDCG@10 of each retrieval mode (the same routing; only the
    fusion weight differs: lexical 0, dense 1, hybrid the setting), and the classifier's
    accuracy on the labelled items. The hybrid questions are traced ("eval_item") with
    their metrics as scores. ``progress(mode, total)`` gives the tick of one mode."""
    weights = {"lexical": 0.0, "dense": 1.0, "hybrid": svc.settings.dense_weight}
    reports = []
    traced: dict[str, TraceRecorder] = {}
    for mode in modes:
        def search(q: str, w: float = weights[mode], m: str = mode) -> list[Hit]:
            if m != "hybrid":
                return routed_search(svc, q, scope, w)
            rec = svc.tracer.start("eval_item", scope.tenant, tags=["eval", dataset],
                                   input={"question": q, "dataset": dataset})
            traced[q] = rec  # finished with its metrics as scores below
            return routed_search(svc, q, scope, w, rec)

        reports.append(evaluate_retrieval(items, search, mode, progress(mode, len(items))))
    labels = {i.question: i.category for i in items if i.category}
    for row in next((r.per_item for r in reports if r.mode == "hybrid"), []):
        rec = traced.get(row["question"])
        if rec is not None:
            for metric in ("recall@5", "mrr@10", "ndcg@10"):
                rec.score(metric, row[metric], source="eval")
            if row["question"] in labels:
                rec.score("classification_correct",
                          rec.trace.category == labels[row["question"]], source="eval")
            rec.trace.output = {"top": row["top"]}
            svc.tracer.finish(rec)
    labelled = [i for i in items if i.category]
    preds = svc.classifier.predict_many([i.question for i in labelled]) if labelled else []
    accuracy = (sum(p[0] == i.category for p, i in zip(preds, labelled, strict=True))
                / len(labelled)) if labelled else None
    return reports, {
        "dataset": dataset, "items": len(items), "classification_accuracy": accuracy,
        "classified": len(labelled),
        "retrieval": {r.mode: {"questions": r.questions, "recall@5": round(r.recall_at_5, 4),
                               "mrr@10": round(r.mrr_at_10, 4),
                               "ndcg@10": round(r.ndcg_at_10, 4)} for r in reports}}


def run_eval_job(svc: Services, job: dict[str, Any]) -> dict[str, Any]:
    """A queued evaluation run (``POST /api/v1/eval/runs``): answer the dataset, count the
    items done on the job's status, store the run."""
    name, _, version = str(job["dataset"]).partition("@")
    items = svc.datasets.get(job["tenant"], name, int(version) if version else None)
    judge = LLMJudge(svc.chat(job["judge"])) if job.get("judge") else None
    answered = 0

    def tick() -> None:
        nonlocal answered
        answered += 1
        if job.get("job_id"):
            svc.job_status.update(job["tenant"], job["job_id"], done=answered)

    run = run_eval(svc, items, job["dataset"], job["tenant"], job.get("overrides") or {},
                   tick, judge=judge)
    svc.runs.save(run)
    return {"run_id": run["id"]}
