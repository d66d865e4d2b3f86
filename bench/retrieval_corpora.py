"""Retrieval on every real corpus, split into dev and test, beside the plain baselines.

    .venv/bin/python bench/retrieval_corpora.py                       # dev and test, all
    .venv/bin/python bench/retrieval_corpora.py --split dev --set chunk_tokens=300
    .venv/bin/python bench/retrieval_corpora.py --corpus faqs/text --json out.json

Corpora: ``evals/faqs/{text,man,html}`` (real FAQ questions by the documents' authors,
each answer its own document, 60 manual pages as distractors; ``evals/faqs/build.py``)
and ``evals/realdocs`` (the team's own set, split by the same question hash). Tune with
``--split dev`` only; report ``test``.

For each corpus, in the same run: ragworks' lexical arm, dense arm and default hybrid
retrieval (as the pipeline retrieves: routed by the classifier), plain BM25 (bm25s, over
the raw files cut into 200-word windows) and plain MiniLM over the same windows (cosine,
top 10). nDCG@10 and recall@5 rank *sources* (a source counts at its best chunk), as
``ragworks eval`` does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {
    "faqs/text": (ROOT / "evals/faqs/text/questions.jsonl",
                  [ROOT / "evals/faqs/text/corpus", ROOT / "evals/faqs/manpages"]),
    "faqs/man": (ROOT / "evals/faqs/man/questions.jsonl",
                 [ROOT / "evals/faqs/man/corpus", ROOT / "evals/faqs/manpages"]),
    "faqs/html": (ROOT / "evals/faqs/html/questions.jsonl",
                  [ROOT / "evals/faqs/html/corpus", ROOT / "evals/faqs/manpages"]),
    "realdocs": (ROOT / "evals/realdocs/questions.jsonl", [ROOT / "evals/realdocs/corpus"]),
}


def split_of(item: dict) -> str:
    """The item's split: its own, or the FAQ sets' question hash (realdocs has none)."""
    if "split" in item:
        return str(item["split"])
    return "test" if int(hashlib.sha256(item["question"].encode()).hexdigest(), 16) % 2 \
        else "dev"


def load(corpus: str, split: str) -> list[dict]:
    path = CORPORA[corpus][0]
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    items = [i for i in items if i.get("relevant_sources")]
    return [i for i in items if split == "all" or split_of(i) == split]


def score(rankings: list[list[str]], gold: list[set[str]]) -> dict[str, float]:
    from ragworks.evaluate.retrieval import ndcg_at, recall_at

    n = max(len(gold), 1)
    return {"ndcg@10": round(sum(ndcg_at(r, g) for r, g in zip(rankings, gold,
                                                                 strict=True)) / n, 4),
            "recall@5": round(sum(recall_at(r, g, 5) for r, g in zip(rankings, gold,
                                                                       strict=True)) / n, 4)}


def windows(folders: list[Path], size: int = 200) -> tuple[list[str], list[str]]:
    """The raw files cut into ``size``-word windows (what a first RAG tutorial builds)."""
    texts, sources = [], []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            words = re.findall(r"\S+", path.read_text(errors="replace"))
            for i in range(0, max(len(words), 1), size):
                texts.append(" ".join(words[i:i + size]))
                sources.append(path.name)
    return texts, sources


def plain_baselines(folders: list[Path], questions: list[str],
                    embedder: object) -> dict[str, list[list[str]]]:
    import bm25s

    texts, sources = windows(folders)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False),
                    show_progress=False)
    found, _ = retriever.retrieve(bm25s.tokenize(questions, stopwords="en",
                                                 show_progress=False),
                                  k=min(30, len(texts)), show_progress=False)
    bm25 = [list(dict.fromkeys(sources[int(i)] for i in row))[:10] for row in found]
    matrix = embedder.embed(texts)  # type: ignore[attr-defined]
    dense = []
    for vector in embedder.embed(questions):  # type: ignore[attr-defined]
        order = np.argsort(-(matrix @ vector))[:30]
        dense.append(list(dict.fromkeys(sources[i] for i in order))[:10])
    return {"plain BM25 (bm25s)": bm25, "plain MiniLM 200-word windows": dense}


def ragworks_arms(folders: list[Path], questions: list[str],
                  overrides: dict[str, object]) -> tuple[dict[str, list[list[str]]], int]:
    from ragworks.cli import ingest_paths, open_services
    from ragworks.evaluate.retrieval import source_ranking
    from ragworks.models import Scope
    from ragworks.usecases.evaluating import routed_search

    out: dict[str, list[list[str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        svc = open_services(data_dir=Path(tmp), llm="extractive", **overrides)
        ingest_paths(svc, folders, "default", "default")
        scope = Scope(tenant="default")
        w = svc.settings.dense_weight
        for name, weight in (("ragworks lexical", 0.0), ("ragworks dense", 1.0),
                             (f"ragworks hybrid (w={w:g})", w)):
            out[name] = [source_ranking(routed_search(svc, q, scope, weight))
                         for q in questions]
        chunks = svc.index.count("default")
        svc.close()
    return out, chunks


def _value(text: str) -> object:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", choices=sorted(CORPORA),
                    help="one corpus (repeatable; default: all)")
    ap.add_argument("--split", default="both", choices=("dev", "test", "both", "all"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a setting for ragworks (e.g. chunk_tokens=300)")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    overrides = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
    from ragworks.embed import make_embedder

    embedder = make_embedder("minilm")
    splits = ("dev", "test") if args.split == "both" else (args.split,)
    results = []
    for corpus in args.corpus or list(CORPORA):
        folders = CORPORA[corpus][1]
        t0 = time.perf_counter()
        per_split = {s: load(corpus, s) for s in splits}
        asked = [i for s in splits for i in per_split[s]]
        questions = [i["question"] for i in asked]
        gold = [set(i["relevant_sources"]) for i in asked]
        ranked, chunks = ragworks_arms(folders, questions, overrides)
        if not args.no_baselines:
            ranked.update(plain_baselines(folders, questions, embedder))
        for s in splits:  # the same rankings, scored on each split's items
            idx = [k for k, i in enumerate(asked) if split_of(i) == s]
            row: dict = {"corpus": corpus, "split": s, "questions": len(idx),
                         "chunks": chunks, **({"settings": overrides} if overrides else {})}
            for name, rankings in ranked.items():
                row[name] = score([rankings[k] for k in idx], [gold[k] for k in idx])
            results.append(row)
            print(json.dumps(row), flush=True)
        print(f"  {corpus}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    _table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def _table(results: list[dict]) -> None:
    cols = [k for k in results[0] if isinstance(results[0][k], dict) and "ndcg@10" in
            results[0][k]] if results else []
    print("\nnDCG@10 by source document\n")
    print("| corpus | split | n | " + " | ".join(cols) + " |")
    print("|---|---|---|" + "---|" * len(cols))
    for r in results:
        best_plain = max((r[c]["ndcg@10"] for c in cols if c.startswith("plain")), default=0)
        cells = []
        for c in cols:
            v = r[c]["ndcg@10"]
            cells.append(f"**{v:.3f}**" if c.startswith("ragworks hybrid") and
                         v >= best_plain + 0.03 else f"{v:.3f}")
        print(f"| {r['corpus']} | {r['split']} | {r['questions']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    raise SystemExit(main())
