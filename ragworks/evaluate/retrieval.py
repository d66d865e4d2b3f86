"""recall@k, MRR@10 and nDCG@10 of a ranking of sources against labelled questions.

A ranking of sources comes from the ranked chunk hits: each source counts at
its first (best) chunk. Questions with no relevant sources (out of scope,
chitchat) are skipped for retrieval metrics but still count for classification.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ragworks.models import Hit


@dataclass(frozen=True)
class Item:
    """A labelled question; ``key_facts`` are strings a correct answer must contain."""

    question: str
    relevant_sources: tuple[str, ...]
    category: str | None = None
    reference_answer: str | None = None
    key_facts: tuple[str, ...] = ()


def load_dataset(path: Path) -> list[Item]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(Item(row["question"], tuple(row.get("relevant_sources") or ()),
                              row.get("category"), row.get("reference_answer"),
                              tuple(row.get("key_facts") or ())))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a dataset line ({exc})") from None
    return items


def source_ranking(hits: Sequence[Hit]) -> list[str]:
    return list(dict.fromkeys(h.chunk.source for h in hits))


def recall_at(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return len(relevant & set(ranked[:k])) / len(relevant)


def mrr_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    return next((1.0 / r for r, s in enumerate(ranked[:k], 1) if s in relevant), 0.0)


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(r + 1) for r, s in enumerate(ranked[:k], 1) if s in relevant)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(relevant), k) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass
class RetrievalReport:
    mode: str
    questions: int = 0
    recall_at_5: float = 0.0
    mrr_at_10: float = 0.0
    ndcg_at_10: float = 0.0
    per_item: list[dict] = field(default_factory=list)


def evaluate_retrieval(items: Iterable[Item],
                       search: Callable[[str], Sequence[Hit]], mode: str,
                       progress: Callable[[], None] | None = None) -> RetrievalReport:
    report = RetrievalReport(mode=mode)
    for item in items:
        if progress:
            progress()
        if not item.relevant_sources:
            continue
        ranked = source_ranking(search(item.question))
        rel = set(item.relevant_sources)
        row = {"question": item.question, "recall@5": recall_at(ranked, rel, 5),
               "mrr@10": mrr_at(ranked, rel), "ndcg@10": ndcg_at(ranked, rel),
               "top": ranked[:5]}
        report.per_item.append(row)
    n = len(report.per_item)
    report.questions = n
    if n:
        report.recall_at_5 = sum(r["recall@5"] for r in report.per_item) / n
        report.mrr_at_10 = sum(r["mrr@10"] for r in report.per_item) / n
        report.ndcg_at_10 = sum(r["ndcg@10"] for r in report.per_item) / n
    return report
