"""Refusals on every corpus: unanswerable questions refused, answerable ones answered.

    .venv/bin/python bench/refusals.py                         # every corpus, dev and test
    .venv/bin/python bench/refusals.py --corpus faqs/text --split dev --rows rows.jsonl

Unanswerable questions of three kinds, per corpus:

- **held out** (in the corpus' own domain, by the documents' own authors): a quarter of
  the gold documents (by the hash of their name) are not ingested; a question whose every
  gold document is among them has no answer in what is ingested, though its neighbours
  do (the hard case: "Can I bring my dog to the office?" beside the office pages);
- **off topic**: the general-knowledge questions of ``evals/realdocs`` (capital of
  Australia, banana bread) and, for the demo's corpus, its own warm-up's (weather);
- answerable: every question whose gold documents are all ingested.

The default pipeline answers each (extractive answerer: the decision is the coverage
check's, not a model's); a question is refused when the answer is not covered. Splits
are the question hash's, as in ``bench/retrieval_corpora.py``: tune on dev, report test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval_corpora import CORPORA, ROOT, _value, split_of  # noqa: E402

ALL = {**CORPORA, "samples": (ROOT / "evals/sample_qa.jsonl",
                              [ROOT / "ragworks/samples/corpus"])}
#: the demo's own questions no document answers (the issue's examples among them)
SAMPLES_OFF = ["What will the weather be like in Berlin tomorrow?",
               "Can I bring my dog to the office?",
               "Who won the football world cup in 2014?",
               "What is the stock price of the company today?",
               "How much does a taxi from the airport to the Berlin office cost?"]


def held_out(name: str) -> bool:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % 4 == 0


def items_of(corpus: str) -> list[dict]:
    path = ALL[corpus][0]
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    out = []
    for r in rows:
        gold = r.get("relevant_sources") or []
        if not gold:
            continue
        if all(held_out(g) for g in gold):
            out.append({**r, "kind": "held out", "answerable": False})
        elif not any(held_out(g) for g in gold):
            out.append({**r, "kind": "answerable", "answerable": True})
    off = [json.loads(line) for line in
           (ROOT / "evals/realdocs/questions.jsonl").read_text().splitlines()
           if '"out_of_scope"' in line]
    off += [{"question": q} for q in SAMPLES_OFF] if corpus == "samples" else []
    out += [{"question": o["question"], "relevant_sources": [], "kind": "off topic",
             "answerable": False} for o in off]
    return out


def run(corpus: str, overrides: dict[str, object]) -> list[dict]:
    from ragworks.cli import ingest_paths, open_services
    from ragworks.models import Scope

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        kept = Path(tmp) / "docs"
        kept.mkdir()
        for folder in ALL[corpus][1]:
            for path in folder.iterdir():
                if path.is_file() and not held_out(path.name):
                    shutil.copy(path, kept / path.name)
        svc = open_services(data_dir=Path(tmp) / "data", llm="extractive", **overrides)
        ingest_paths(svc, [kept], "default", "default")
        scope = Scope(tenant="default")
        items = items_of(corpus)
        t0 = time.perf_counter()
        for n, item in enumerate(items, 1):
            answer = svc.pipeline.run(item["question"], scope, include_hits=True)
            top = answer.hits[0] if answer.hits else None
            rows.append({"corpus": corpus, "split": split_of(item), "kind": item["kind"],
                         "answerable": item["answerable"], "question": item["question"],
                         "refused": not answer.covered, "category": answer.category,
                         "best_dense": round(max((h.dense for h in answer.hits),
                                                 default=0.0), 4),
                         "top_lexical": round(top.lexical, 4) if top else 0.0,
                         "threshold": round(svc.pipeline._threshold(scope), 4),  # noqa: SLF001
                         "answer": answer.answer[:200]})
            if n % 50 == 0:
                print(f"  {corpus}: {n}/{len(items)} questions "
                      f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        svc.close()
    return rows


def summary(rows: list[dict]) -> list[dict]:
    out = []
    for corpus in dict.fromkeys(r["corpus"] for r in rows):
        for split in ("dev", "test"):
            part = [r for r in rows if r["corpus"] == corpus and r["split"] == split]
            if not part:
                continue

            def rate(kind: str, part: list[dict] = part) -> tuple[float, int]:
                xs = [r["refused"] for r in part if r["kind"] == kind]
                return (round(sum(xs) / len(xs), 3) if xs else float("nan")), len(xs)

            out.append({"corpus": corpus, "split": split,
                        "held out refused": rate("held out"),
                        "off topic refused": rate("off topic"),
                        "answerable refused": rate("answerable")})
    return out


def _table(results: list[dict]) -> None:
    print("\nRefused (share, n): unanswerable should be >= 0.90, answerable <= 0.05\n")
    print("| corpus | split | held out (unanswerable) | off topic (unanswerable) "
          "| answerable |")
    print("|---|---|---|---|---|")
    for r in results:
        cells = [f"{v:.3f} ({n})" for v, n in (r["held out refused"], r["off topic refused"],
                                               r["answerable refused"])]
        print(f"| {r['corpus']} | {r['split']} | " + " | ".join(cells) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", choices=sorted(ALL))
    ap.add_argument("--split", default="both", choices=("dev", "test", "both"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--rows", type=Path, default=None, help="write every question's row")
    args = ap.parse_args()
    overrides = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
    rows: list[dict] = []
    for corpus in args.corpus or list(ALL):
        rows += [r for r in run(corpus, overrides)
                 if args.split == "both" or r["split"] == args.split]
    results = summary(rows)
    for r in results:
        print(json.dumps(r))
    _table(results)
    if args.rows:
        args.rows.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
