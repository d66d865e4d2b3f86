"""The grounding check as a detector of wrong answers, on evals/grounding/pairs.jsonl.

    .venv/bin/python bench/grounding.py              # claim-level check vs the old word share
    .venv/bin/python bench/grounding.py --verifier local:qwen2.5-1.5b --margins m.json
                                                     # + the local model's second opinion
    .venv/bin/python bench/grounding.py --verifier local:qwen2.5-1.5b --in-context \
        --every 3 --margins mc.json                  # asked inside the answer's context

``--in-context`` asks the check as the service asks it while the model writes: after the
answerer's own prompt (the four passages, the question) and the answer, as the next turn
(``verify.IN_CONTEXT``), so only the check is read per sentence. ``--every N`` keeps every
Nth question (both of its pairs): the full prompt costs 10-15 s per question here.

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


_MARK = __import__("re").compile(r"\[(\d{1,2})\]")


def _in_context_margins(pairs: list[dict], spec: str, path: Path | None) -> list[float]:
    """Each answer scored by the in-context check after the answerer's real prompt."""
    cached = json.loads(path.read_text()) if path and path.exists() else {}
    todo = sorted((p for p in pairs if _key(p) not in cached), key=lambda p: p["question"])
    if todo:
        from ragworks.generate.llm import LLMAnswerer
        from ragworks.generate.local_llama import _template, next_turn
        from ragworks.generate.verify import IN_CONTEXT
        from ragworks.models import Plan
        from ragworks.services import make_chat
        from ragworks.settings import Settings

        settings = Settings(llm_threads=2)
        chat = make_chat(settings, spec)
        answerer = LLMAnswerer(chat, max_contexts=4,  # type: ignore[arg-type]
                               max_context_words=settings.llm_context_words or 150)
        plan = Plan(category="factoid", mode="hybrid", top_k=4,
                    prompt=f"answer_{settings.prompt_version}")
        for i, p in enumerate(todo, 1):
            hits = _hits(p["passages"])
            messages = answerer.messages(p["question"], hits, plan,
                                         answerer.passages(p["question"], hits))
            answer = p["answer"].strip()
            prompt = (_template(messages) + "<|im_start|>assistant\n" + answer
                      + next_turn(IN_CONTEXT.format(sentence=answer)))
            cached[_key(p)] = chat.margin_after(prompt, "SUPPORTED",  # type: ignore[attr-defined]
                                                "UNSUPPORTED")
            if i % 10 == 0:
                print(f"  in-context verifier: {i}/{len(todo)}", flush=True)
                if path:
                    path.write_text(json.dumps(cached))
        if path:
            path.write_text(json.dumps(cached))
    return [cached[_key(p)] for p in pairs]


def _margins(pairs: list[dict], spec: str, path: Path | None,
             read_words: int = 0) -> list[float]:
    """The verifier's margin on each answer against its cited passages, or with
    ``read_words`` against what the service's model reads of them (the best sentences
    of the four passages, that many words in all: ``ExtractiveAnswerer.select``)."""
    cached = json.loads(path.read_text()) if path and path.exists() else {}
    todo = [p for p in pairs if _key(p) not in cached]
    if todo:
        from ragworks.embed import make_embedder
        from ragworks.embed.cache import VectorCache
        from ragworks.generate.extractive import ExtractiveAnswerer
        from ragworks.generate.verify import ModelVerifier
        from ragworks.services import make_chat
        from ragworks.settings import Settings

        verifier = ModelVerifier(make_chat(Settings(llm_threads=2), spec))  # type: ignore[arg-type]
        reader = ExtractiveAnswerer(VectorCache(make_embedder("minilm")))
        for i, p in enumerate(todo, 1):
            cited = [int(n) for n in _MARK.findall(p["answer"])]
            read = reader.select(p["question"], _hits(p["passages"])[:4], read_words) \
                if read_words else []
            passages = [(read[n - 1] if n <= len(read) and read[n - 1] else "")
                        or p["passages"][n - 1]["text"] for n in cited
                        if 1 <= n <= len(p["passages"])]
            cached[_key(p)] = verifier.margin(p["question"], passages,
                                              _MARK.sub("", p["answer"]).strip())
            if i % 25 == 0:
                print(f"  verifier: {i}/{len(todo)}", flush=True)
                if path:
                    path.write_text(json.dumps(cached))
        if path:
            path.write_text(json.dumps(cached))
    return [cached[_key(p)] for p in pairs]


def _key(p: dict) -> str:
    return p["question"] + "\u241e" + p["answer"]


def _pr(flags: list[bool], wrong: list[bool]) -> tuple[float, float]:
    tp = sum(f and w for f, w in zip(flags, wrong, strict=True))
    fp = sum(f and not w for f, w in zip(flags, wrong, strict=True))
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / sum(wrong) if sum(wrong) else 0.0)


def combined_report(pairs: list[dict], heuristic: list[bool], margins: list[float]) -> dict:
    """The sweep, and two-fold cross-validation of the threshold by question."""
    wrong = [p["label"] == "wrong" for p in pairs]
    sweep = {}
    for t in (0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 3.0):
        flags = [h or m > t for h, m in zip(heuristic, margins, strict=True)]
        precision, recall = _pr(flags, wrong)
        sweep[f"{t:g}"] = {"precision": round(precision, 3), "recall": round(recall, 3)}
    import hashlib

    fold = [int(hashlib.sha256(p["question"].encode()).hexdigest(), 16) % 2 for p in pairs]
    grid = [x / 8 for x in range(-8, 33)]
    held: list[tuple[bool, bool]] = []
    chosen = []
    for k in (0, 1):
        train = [i for i, f in enumerate(fold) if f != k]
        test = [i for i, f in enumerate(fold) if f == k]

        def score(t: float, idx: list[int]) -> tuple[float, float]:
            return _pr([heuristic[i] or margins[i] > t for i in idx], [wrong[i] for i in idx])

        # the lowest threshold (most recall) whose precision on the training half is >= 0.8
        best = min((t for t in grid if score(t, train)[0] >= 0.8), default=grid[-1])
        chosen.append(best)
        held += [(heuristic[i] or margins[i] > best, wrong[i]) for i in test]
    precision, recall = _pr([f for f, _ in held], [w for _, w in held])
    return {"sweep": sweep, "cv_thresholds": chosen,
            "cv_held_out": {"precision": round(precision, 3), "recall": round(recall, 3)}}


def main() -> None:
    from ragworks.embed import make_embedder
    from ragworks.embed.cache import VectorCache
    from ragworks.generate.citations import supported_share
    from ragworks.generate.grounding import GroundingChecker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=ROOT / "evals/grounding/pairs.jsonl")
    parser.add_argument("--show", type=int, default=0, help="print N misclassified pairs")
    parser.add_argument("--verifier", default="", help="e.g. local:qwen2.5-1.5b")
    parser.add_argument("--margins", type=Path, default=None, help="cache of the margins")
    parser.add_argument("--in-context", action="store_true",
                        help="the check as asked inside the answer's context")
    parser.add_argument("--every", type=int, default=1, help="every Nth question only")
    parser.add_argument("--read-words", type=int, default=0,
                        help="verify against what the model reads (RAGWORKS_LLM_PROMPT_WORDS)")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in args.pairs.read_text().splitlines() if line.strip()]
    if args.every > 1:
        kept = sorted({p["question"] for p in pairs})[::args.every]
        pairs = [p for p in pairs if p["question"] in set(kept)]
    checker = GroundingChecker(VectorCache(make_embedder("minilm")))
    t0 = time.perf_counter()
    claim = evaluate(pairs, lambda a, h, q: not checker.check(a, h, q).grounded)
    per_pair_ms = (time.perf_counter() - t0) * 1000 / len(pairs)
    share = evaluate(pairs, lambda a, h, q: supported_share(a, h) < 0.65)
    print(json.dumps({"detector": "claim-level check", **claim,
                      "ms_per_answer": round(per_pair_ms, 2)}))
    print(json.dumps({"detector": "word share < 0.65 (before)", **share}))
    if args.verifier:
        heuristic = [not checker.check(p["answer"], _hits(p["passages"]), p["question"]).grounded
                     for p in pairs]
        started = time.perf_counter()
        margins = _in_context_margins(pairs, args.verifier, args.margins) \
            if args.in_context else _margins(pairs, args.verifier, args.margins,
                                             args.read_words)
        per_pair = (time.perf_counter() - started) * 1000 / len(pairs)
        how = "in-context margin" if args.in_context else "margin"
        print(json.dumps({"detector": f"claim-level check OR {args.verifier} {how}",
                          **combined_report(pairs, heuristic, margins),
                          "verifier_ms_per_answer": round(per_pair, 1)}))
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
