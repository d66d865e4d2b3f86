"""How long a reader waits for an answer, beside the bare model's floor (issue 23).

    .venv/bin/python bench/answer_latency.py                         # 1.5B, 8 questions
    .venv/bin/python bench/answer_latency.py --llm local:qwen2.5-0.5b --limit 16
    .venv/bin/python bench/answer_latency.py --stride 1 --limit 0    # the whole real set

The real development set's corpus (``evals/realdocs``) is ingested into a fresh data dir;
a fixed sample of its questions (every ``--stride``-th) is asked through the full
pipeline, streamed, as the server streams it. For each question it records when the
reader first sees text (the first ``quote`` or ``token`` event), when the model's own
first text is released, and when the answer is whole, with the quality columns of
``bench/answer_quality.py`` (key facts, cites gold, refused answerable, mid-sentence).

Every time is also given as a ratio of a calibration measured in the same run, on the
same model file and threads: the bare llama.cpp model reading a 300-token prompt and
writing 48 tokens (no ragworks code in between). The same calibration gives the model's
reading and writing rates, from which each question's floor is computed: the time the
bare model needs for exactly the prompt tokens ragworks sent and the tokens it wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "evals/realdocs/questions.jsonl"
CORPUS = ROOT / "evals/realdocs/corpus"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))] if xs else float("nan")


def calibrate(chat: object, filler: str) -> dict[str, float]:
    """The bare model: read 300 prompt tokens, write 48 (greedy), timed apart."""
    chat.load()  # type: ignore[attr-defined]
    llm = chat._llm  # type: ignore[attr-defined]
    tokens = llm.tokenize(filler.encode(), add_bos=False, special=False)
    while len(tokens) < 300:
        tokens = tokens + tokens
    tokens = tokens[:300]
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(tokens)
    read_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    for _ in range(48):
        tok = llm.sample(top_k=1, temp=0.0)
        llm.eval([tok])
    write_s = time.perf_counter() - t1
    llm.reset()
    return {"calibration_s": read_s + write_s, "read_tok_s": 300 / read_s,
            "write_tok_s": 48 / write_s}


def warm_up(svc: object, questions: list[str], stop: threading.Event) -> None:
    """The demo's warm-up, over other questions: background work that waits until no
    user has asked for a while and gives way (between tokens) when one does."""
    from ragworks.turns import GaveWay, background
    from ragworks.usecases import Asking, answer

    with background(svc.turns):  # type: ignore[attr-defined]
        for question in questions:
            if stop.is_set() or not svc.turns.wait_idle(stop):  # type: ignore[attr-defined]
                return
            try:
                answer(svc, question, Asking(tenant="default", tags=("warm-up",),  # type: ignore[arg-type]
                                             background=True, overrides={}))
            except GaveWay:
                continue


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llm", default="local:qwen2.5-1.5b")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", default="v3")
    ap.add_argument("--limit", type=int, default=8, help="questions (0: all of the sample)")
    ap.add_argument("--stride", type=int, default=23, help="every Nth question of the set")
    ap.add_argument("--json", type=Path, default=None, help="write the rows here")
    ap.add_argument("--context-words", type=int, default=0,
                    help="words of each passage the model reads (0: its default)")
    ap.add_argument("--focus", action="store_true",
                    help="the passages' best sentences within that budget, not their openings")
    ap.add_argument("--warmup", type=float, default=0.0, metavar="GAP_S",
                    help="other questions asked as background work (as the demo's warm-up) "
                         "meanwhile; each measured question waits GAP_S first, so that the "
                         "background is mid-answer when it comes (give more than 10 s)")
    ap.add_argument("--prompt-words", type=int, default=None,
                    help="the best sentences of all passages, this many words in all "
                         "(default: the setting's, 60; 0: each passage on its own)")
    args = ap.parse_args()

    from ragworks.cli import ingest_paths, open_services
    from ragworks.evaluate.answers import judge_answer, load_labelled, summarise
    from ragworks.models import Answer
    from ragworks.usecases import Asking, answer_stream

    items = load_labelled(QUESTIONS)[::args.stride]
    items = items[:args.limit] if args.limit else items
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        svc = open_services(data_dir=Path(tmp), llm=args.llm, llm_threads=args.threads,
                        prompt_version=args.prompt, llm_focus=args.focus,
                        llm_context_words=args.context_words,
                        llm_prompt_words=args.prompt_words)
        ingest_paths(svc, [CORPUS], "default", "default")
        cal = calibrate(svc.chat(args.llm), (CORPUS / sorted(os.listdir(CORPUS))[0])
                        .read_text(errors="replace")[:4000])
        print(f"calibration (bare model, {args.threads} threads, 300 read + 48 written): "
              f"{cal['calibration_s']:.2f} s; reads {cal['read_tok_s']:.0f} tok/s, writes "
              f"{cal['write_tok_s']:.1f} tok/s", file=sys.stderr)
        stop = threading.Event()
        warming = threading.Thread(target=warm_up, args=(svc, [
            i.question for i in load_labelled(QUESTIONS) if i not in items], stop), daemon=True)
        if args.warmup:
            warming.start()
        for n, item in enumerate(items, 1):
            if args.warmup:
                time.sleep(args.warmup)
            t0 = time.perf_counter()
            shown = model_first = None
            answer: Answer | None = None
            asking = Asking(tenant="default", include_hits=True, overrides={},
                            tags=("bench",), trace_name="bench_latency")
            for kind, value in answer_stream(svc, item.question, asking):
                now = time.perf_counter() - t0
                if kind in ("quote", "token") and shown is None:
                    shown = now
                if kind == "token" and model_first is None:
                    model_first = now
                if isinstance(value, Answer):
                    answer = value
            whole = time.perf_counter() - t0
            assert answer is not None
            row = judge_answer(item, answer)
            trace = svc.traces.get_trace("default", answer.trace_id)
            gens = [o for o in (trace or {}).get("observations", [])
                    if o.get("type") == "generation" or o.get("name") == "generate"]
            p_tok = sum(int(o.get("input_tokens") or 0) for o in gens)
            w_tok = sum(int(o.get("output_tokens") or 0) for o in gens)
            floor = p_tok / cal["read_tok_s"] + w_tok / cal["write_tok_s"]
            row.update(first_shown_s=shown or whole, model_first_s=model_first or whole,
                       whole_s=whole, prompt_tokens=p_tok, written_tokens=w_tok,
                       floor_s=floor)
            rows.append(row)
            print(f"  {n}/{len(items)} shown {row['first_shown_s']:.2f} s, model's first "
                  f"{row['model_first_s']:.2f} s, whole {whole:.2f} s (floor {floor:.2f} s, "
                  f"{p_tok} read, {w_tok} written)", file=sys.stderr)
        stop.set()
        if warming.is_alive():  # the model is closed only once the background is done
            warming.join()
        svc.close()
    c = cal["calibration_s"]
    q = summarise(rows)
    out = {"llm": args.llm, "threads": args.threads, "questions": len(rows),
           "context_words": args.context_words, "focus": args.focus,
           "prompt_words": args.prompt_words, "warmup_gap_s": args.warmup,
           "prompt_tokens_p50": statistics.median(r["prompt_tokens"] for r in rows),
           "load_1min": round(os.getloadavg()[0], 2), **{k: round(v, 3) for k, v in cal.items()}}
    for key in ("first_shown_s", "model_first_s", "whole_s", "floor_s"):
        xs = [r[key] for r in rows]
        out[f"{key[:-2]}_p50_s"], out[f"{key[:-2]}_p95_s"] = round(pct(xs, .5), 2), \
            round(pct(xs, .95), 2)
        out[f"{key[:-2]}_p50_x"], out[f"{key[:-2]}_p95_x"] = round(pct(xs, .5) / c, 3), \
            round(pct(xs, .95) / c, 3)
    out["whole_over_floor_p50"] = round(statistics.median(r["whole_s"] / r["floor_s"]
                                                         for r in rows if r["floor_s"]), 2)
    out.update({k: q[k] for k in ("key_facts", "cites_gold", "refused_answerable",
                                  "mid_sentence")})
    print(f"{'':28s}{'p50 s':>8s}{'p95 s':>8s}{'p50 x cal':>11s}{'p95 x cal':>11s}")
    for key, label in (("first_shown", "first shown text"), ("model_first", "model's first text"),
                       ("whole", "whole answer"), ("floor", "bare model, same tokens")):
        print(f"{label:28s}{out[key + '_p50_s']:8.2f}{out[key + '_p95_s']:8.2f}"
              f"{out[key + '_p50_x']:11.3f}{out[key + '_p95_x']:11.3f}")
    print(f"quality: key facts {q['key_facts']:.3f}, cites gold {q['cites_gold']:.3f}, refused "
          f"answerable {q['refused_answerable']:.3f}, mid-sentence {q['mid_sentence']:.3f}")
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
