"""The grounding check as a detector of wrong answers, on evals/grounding/pairs.jsonl.

    .venv/bin/python bench/grounding.py              # claim-level check vs the old word share

A pair is flagged when the check finds an ungrounded sentence; the positive
class is "wrong". Prints precision and recall of wrong answers, per kind of
error (a changed number, a swapped fact, a flipped polarity, real local-model
failures) and for the word-share measure the service used before, both on the
same pairs.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _hits(passages: list[dict]) -> list:
    from ragworks.models import Chunk, Hit

    return [Hit(chunk=Chunk(id=f"c{n}", doc_id=f"d{n}", tenant="t", collection="c",
                            source=p["source"], title="", section=p.get("section", ""),
                            text=p["text"], start=0, end=len(p["text"]), ordinal=0))
            for n, p in enumerate(passages)]


def evaluate(pairs: list[dict], flag) -> dict:  # type: ignore[no-untyped-def]
    tp = fp = fn = tn = 0
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in pairs:
        flagged = flag(p["answer"], _hits(p["passages"]), p["question"])
        wrong = p["label"] == "wrong"
        tp += flagged and wrong
        fp += flagged and not wrong
        fn += (not flagged) and wrong
        tn += (not flagged) and not wrong
        kind = p["kind"].split(":")[0]
        per_kind[kind][0] += flagged
        per_kind[kind][1] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"pairs": len(pairs), "wrong": tp + fn, "precision": round(precision, 3),
            "recall": round(recall, 3),
            "flagged_by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(per_kind.items())}}


def main() -> None:
    from ragworks.embed import make_embedder
    from ragworks.embed.cache import VectorCache
    from ragworks.generate.citations import supported_share
    from ragworks.generate.grounding import GroundingChecker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=ROOT / "evals/grounding/pairs.jsonl")
    parser.add_argument("--show", type=int, default=0, help="print N misclassified pairs")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in args.pairs.read_text().splitlines() if line.strip()]
    checker = GroundingChecker(VectorCache(make_embedder("minilm")))
    t0 = time.perf_counter()
    claim = evaluate(pairs, lambda a, h, q: not checker.check(a, h, q).grounded)
    per_pair_ms = (time.perf_counter() - t0) * 1000 / len(pairs)
    share = evaluate(pairs, lambda a, h, q: supported_share(a, h) < 0.65)
    print(json.dumps({"detector": "claim-level check", **claim,
                      "ms_per_answer": round(per_pair_ms, 2)}))
    print(json.dumps({"detector": "word share < 0.65 (before)", **share}))
    shown = 0
    for p in pairs:
        if shown >= args.show:
            break
        report = checker.check(p["answer"], _hits(p["passages"]), p["question"])
        if report.grounded == (p["label"] == "wrong"):
            shown += 1
            print(f"\n[{p['label']}/{p['kind']}] {p['question']}\n  A: {p['answer']}\n"
                  f"  problems: {report.problems}")


if __name__ == "__main__":
    main()
