"""Answer quality per answerer on the real development set and the sample set.

    .venv/bin/python bench/answer_quality.py                       # extractive, both sets
    .venv/bin/python bench/answer_quality.py --llm local:qwen2.5-1.5b --limit 40
    .venv/bin/python bench/answer_quality.py --set realdocs --dump /tmp/rows.json

Each set's corpus is ingested into a fresh temporary data dir; every question is
answered by the full pipeline (classify, plan, retrieve, generate, guard) and
judged by ``ragworks.evaluate.answers``: key facts, answers citing a gold source,
refusals of answerable and unanswerable questions, answers that start
mid-sentence or carry markup, latency and time to first token.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "realdocs": (ROOT / "evals/realdocs/questions.jsonl", ROOT / "evals/realdocs/corpus"),
    "sample": (ROOT / "evals/sample_qa.jsonl", ROOT / "ragworks/samples/corpus"),
}


def run_set(name: str, llm: str, limit: int | None, dump: Path | None, stride: int = 1,
            **settings: object) -> dict:
    from ragworks.cli import ingest_paths, open_services
    from ragworks.evaluate.answers import judge_answer, load_labelled, summarise
    from ragworks.models import Scope

    questions, corpus = SETS[name]
    items = load_labelled(questions)[::stride][:limit]
    with tempfile.TemporaryDirectory() as tmp:
        svc = open_services(data_dir=Path(tmp), llm=llm, **settings)
        t0 = time.perf_counter()
        ingest_paths(svc, [corpus], "default", "default")
        ingest_s = time.perf_counter() - t0
        rows, ttft = [], []
        for n, item in enumerate(items, 1):
            started = time.perf_counter()
            first = None
            answer = None
            for kind, value in svc.pipeline.stream(item.question, Scope(tenant="default"),
                                                   include_hits=True):
                if kind == "token" and first is None:
                    first = time.perf_counter() - started
                elif kind == "answer":
                    answer = value
            assert answer is not None
            ttft.append((first or 0.0) * 1000)
            row = judge_answer(item, answer)
            if dump:  # what the answerer saw, for evals/grounding/build.py --failures
                row["passages"] = [{"source": h.chunk.source, "section": h.chunk.section,
                                    "text": h.chunk.text} for h in answer.hits[:4]]
            rows.append(row)
            if n % 20 == 0:
                print(f"  {name}: {n}/{len(items)}", file=sys.stderr)
        svc.close()
    summary = summarise(rows)
    summary["ttft_ms_p50"] = round(statistics.median(ttft), 1)
    summary["ingest_s"] = round(ingest_s, 1)
    if dump:
        dump.write_text(json.dumps(rows, indent=1))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="extractive")
    parser.add_argument("--set", choices=[*SETS, "both"], default="both")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--stride", type=int, default=1, help="every Nth question")
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--prompt", default=None, help="prompt version, e.g. v3")
    parser.add_argument("--threads", type=int, default=None, help="local model threads")
    args = parser.parse_args()
    names = list(SETS) if args.set == "both" else [args.set]
    for name in names:
        summary = run_set(name, args.llm, args.limit, args.dump, args.stride,
                          prompt_version=args.prompt, llm_threads=args.threads)
        print(json.dumps({"set": name, "llm": args.llm, **summary}))


if __name__ == "__main__":
    main()
