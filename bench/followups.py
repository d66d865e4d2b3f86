"""Follow-up questions: answered with the conversation, against the same question alone.

    .venv/bin/python bench/followups.py                  # extractive, dev (sample corpus)
    .venv/bin/python bench/followups.py --split test     # the held-out real documentation
    .venv/bin/python bench/followups.py --llm local:qwen2.5-1.5b

``evals/followups/conversations.jsonl`` holds conversations of two or three turns ("How
much paid leave does the primary caregiver get?" then "And the secondary one?"), each
turn with its key fact and the conversation's gold source: 15 over the sample corpus
(``dev``: the follow-up rule is tuned on these) and 14 over ``evals/realdocs``' documents
(``test``: written before any tuning, not tuned on). Every
turn after the first is asked twice through the full pipeline: alone (what a product
without conversation support answers), and with the user's earlier questions
(``route/followup.py``). The first turns are the control: they stand on their own.
Prints key facts and cites-gold per kind of turn, and the turns whose result differs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "evals/followups/conversations.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llm", default="extractive")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--split", choices=["dev", "test"], default="dev")
    args = ap.parse_args()

    from ragworks.cli import ingest_paths, open_services, sample_corpus
    from ragworks.evaluate.answers import has_fact
    from ragworks.route.followup import refers_back
    from ragworks.usecases import Asking, answer

    conversations = [c for line in SET.read_text().splitlines() if line
                     and (c := json.loads(line))["split"] == args.split]
    corpus = sample_corpus() if conversations[0]["corpus"] == "samples" else \
        ROOT / "evals/realdocs/corpus"
    rows: list[dict] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        svc = open_services(data_dir=Path(tmp), llm=args.llm, llm_threads=args.threads)
        ingest_paths(svc, [corpus], "default", "default")
        total = sum(len(c["turns"]) * 2 - 1 for c in conversations)
        done = 0
        for conv in conversations:
            earlier: list[str] = []
            for n, turn in enumerate(conv["turns"]):
                modes = [("alone", ())] if n == 0 else [("alone", ()),
                                                        ("with history", tuple(earlier))]
                for mode, history in modes:
                    got = answer(svc, turn["question"], Asking(
                        tenant="default", overrides={}, tags=("bench",),
                        trace_name="bench_followups", earlier=history))
                    rows.append({
                        "turn": "first" if n == 0 else "follow-up", "mode": mode,
                        "question": turn["question"], "refers_back": refers_back(
                            turn["question"]),
                        "key_fact": all(has_fact(got.answer, k) for k in turn["key_facts"]),
                        "cites_gold": any(c.source == conv["source"]
                                          for c in got.citations),
                        "answer": got.answer})
                    done += 1
                    print(f"  {done}/{total} {mode:12s} {turn['question']}", file=sys.stderr)
                earlier.append(turn["question"])
        svc.close()
    print(f"{len(conversations)} conversations ({args.split}), {args.llm}, "
          f"{time.perf_counter() - started:.0f} s (2 cores)")
    print(f"{'turns':34s}{'n':>4s}{'key facts':>11s}{'cites gold':>12s}")
    for kind, mode in (("first", "alone"), ("follow-up", "alone"),
                       ("follow-up", "with history")):
        sel = [r for r in rows if r["turn"] == kind and r["mode"] == mode]
        kf = sum(r["key_fact"] for r in sel) / len(sel)
        cg = sum(r["cites_gold"] for r in sel) / len(sel)
        print(f"{kind + ', ' + mode:34s}{len(sel):4d}{kf:11.3f}{cg:12.3f}")
    missed = [r for r in rows if r["turn"] == "follow-up" and r["mode"] == "with history"
              and not r["key_fact"]]
    for r in missed:
        print(f"  missed with history ({'refers back' if r['refers_back'] else 'alone'}): "
              f"{r['question']} -> {r['answer'][:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
