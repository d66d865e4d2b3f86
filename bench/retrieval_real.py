"""Retrieval on the real development set: each arm, hybrid, and a plain baseline, in one run.

    .venv/bin/python bench/retrieval_real.py                 # default chunking and weight
    .venv/bin/python bench/retrieval_real.py --sweep         # chunk budgets x dense weights

The plain baseline is what a first RAG tutorial builds: the same MiniLM over the
raw files cut into ~200-word windows, cosine top-10. nDCG@10 and recall@5 rank
sources (a source counts at its best chunk), as ``ragworks eval`` does.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "evals/realdocs/questions.jsonl"
CORPUS = ROOT / "evals/realdocs/corpus"


def _score(rankings: list[list[str]], gold: list[set[str]]) -> dict[str, float]:
    from retrieval_corpora import score  # type: ignore[import-not-found]

    return score(rankings, gold)  # type: ignore[no-any-return]


def plain_baseline(questions: list[str], gold: list[set[str]]) -> dict[str, float]:
    from retrieval_corpora import windows  # type: ignore[import-not-found]

    from ragworks.embed import make_embedder

    embedder = make_embedder("minilm")
    texts, sources = windows([CORPUS])
    matrix = embedder.embed(texts)
    rankings = []
    for vector in embedder.embed(questions):
        order = np.argsort(-(matrix @ vector))[:10]
        rankings.append(list(dict.fromkeys(sources[i] for i in order)))
    return _score(rankings, gold)


def ours(questions: list[str], gold: list[set[str]], budget: int | None,
         weights: list[float]) -> dict[str, dict[str, float]]:
    from ragworks.cli import ingest_paths, open_services
    from ragworks.evaluate.retrieval import source_ranking
    from ragworks.models import Scope
    from ragworks.usecases.evaluating import routed_search

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        extra = {"chunk_tokens": budget} if budget else {}
        svc = open_services(data_dir=Path(tmp), llm="extractive", **extra)
        ingest_paths(svc, [CORPUS], "default", "default")
        scope = Scope(tenant="default")
        arms = [("lexical", 0.0), ("dense", 1.0)] + [(f"hybrid w={w}", w) for w in weights]
        for name, w in arms:
            rankings = [source_ranking(routed_search(svc, q, scope, w)) for q in questions]
            out[name] = _score(rankings, gold)
        svc.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    from ragworks.settings import Settings

    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r.get("relevant_sources")]
    questions = [r["question"] for r in rows]
    gold = [set(r["relevant_sources"]) for r in rows]
    print(json.dumps({"questions": len(rows), "plain MiniLM 200-word windows":
                      plain_baseline(questions, gold)}))
    default_w = Settings().dense_weight
    budgets = [None, 120, 260] if args.sweep else [None]
    weights = [0.5, 0.6, 0.7, 0.8, 0.9] if args.sweep else [default_w]
    for budget in budgets:
        print(json.dumps({"chunk_budget": budget or Settings().chunk_tokens,
                          **ours(questions, gold, budget, weights)}))


if __name__ == "__main__":
    main()
