"""The evaluation gate: metrics on a committed golden set against a committed baseline.

    metrics = measure(items, search, ask, dense_weight)   # retrieval, classification, answers
    failures = compare(metrics, baseline)         # [] when nothing dropped past tolerance

``evals/baseline.json`` holds, per metric, the accepted value and how far it may
drop: ``{"hybrid_recall@5": {"value": 1.0, "tolerance": 0.02}, ...}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ragworks.evaluate.answers import judge_answer, summarise, token_f1, token_recall
from ragworks.evaluate.retrieval import Item, evaluate_retrieval
from ragworks.models import Answer

__all__ = ["compare", "measure", "token_f1", "token_recall"]

def measure(items: Sequence[Item], search: Callable[[str, float], list],
            ask: Callable[[str], Answer], dense_weight: float,
            progress: Callable[[], None] | None = None) -> dict[str, float]:
    """Every gated metric on one dataset: ``search(question, dense_weight)`` ranks hits,
    ``ask(question)`` answers as the service does."""
    out: dict[str, float] = {}
    for mode, weight in (("lexical", 0.0), ("dense", 1.0), ("hybrid", dense_weight)):
        def run(q: str, w: float = weight) -> list:
            return search(q, w)

        report = evaluate_retrieval(items, run, mode)
        out[f"{mode}_recall@5"] = report.recall_at_5
        out[f"{mode}_mrr@10"] = report.mrr_at_10
        out[f"{mode}_ndcg@10"] = report.ndcg_at_10
    answered = [i for i in items if i.reference_answer]
    f1, recall, covered = [], [], []
    rows, categories = [], []
    for item in items:
        answer = ask(item.question)
        rows.append(judge_answer(item, answer))
        if item.category:  # the category the service settled on (after the evidence check)
            categories.append(answer.category == item.category)
        if item.reference_answer:
            f1.append(token_f1(answer.answer, item.reference_answer or ""))
            recall.append(token_recall(answer.answer, item.reference_answer or ""))
            covered.append(answer.covered)
        if progress:
            progress()
    if answered:
        out["answer_token_f1"] = sum(f1) / len(f1)
        out["answer_token_recall"] = sum(recall) / len(recall)
        out["answered_share"] = sum(covered) / len(covered)
    if categories:
        out["classification_accuracy"] = sum(categories) / len(categories)
    quality = summarise(rows)
    out["cites_gold_share"] = quality["cites_gold"]
    if any(getattr(i, "key_facts", ()) for i in items):
        out["key_facts"] = quality["key_facts"]
    if "refused_unanswerable" in quality:
        out["refused_unanswerable"] = quality["refused_unanswerable"]
    out["clean_start_share"] = 1.0 - quality["mid_sentence"]  # higher is better, as all
    out["markup_free_share"] = 1.0 - quality["markup"]
    return {k: round(v, 4) for k, v in out.items()}


def compare(metrics: dict[str, float], baseline: dict[str, dict[str, float]]) -> list[str]:
    """One line per metric that fell more than its tolerance below the baseline."""
    failures = []
    for name, rule in baseline.items():
        if name not in metrics:
            failures.append(f"{name}: missing from this run")
        elif metrics[name] < rule["value"] - rule.get("tolerance", 0.0):
            failures.append(f"{name}: {metrics[name]:.4f} < baseline {rule['value']:.4f} "
                            f"- tolerance {rule.get('tolerance', 0.0):.4f}")
    return failures
