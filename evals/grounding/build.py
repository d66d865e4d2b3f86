"""Build the labelled (answer, passages) pairs that measure the grounding detector.

    .venv/bin/python evals/grounding/build.py      # writes evals/grounding/pairs.jsonl

For every labelled question of the real development set (and the sample set's
questions whose reference answer holds a number), the question's passages are
retrieved as the service would, and two answers are paired with them:

- the hand-written reference answer (a paraphrase, not a quote) citing the gold
  passage that holds its key facts: **correct**;
- a wrong answer made from it, in turn: a number replaced by another number of
  the same passage (or a made-up one), a key fact replaced by another question's
  fact from the same document, or the polarity flipped: **wrong**.

Real wrong answers of local models (``--failures FILE``: rows of
``bench/answer_quality.py --dump`` whose key facts are missing) are added as
**wrong**, with the passages they were given. The file stores the passages'
text, so the detector is measured without re-running retrieval.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SETS = {
    "realdocs": (ROOT / "evals/realdocs/questions.jsonl", ROOT / "evals/realdocs/corpus"),
    "sample": (ROOT / "evals/sample_qa.jsonl", ROOT / "ragworks/samples/corpus"),
}
_NUM = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")
_NEGATE = [(r"\bis not\b", "is"), (r"\bdoes not\b", "does"), (r"\bdoesn't\b", "does"),
           (r"\bcannot\b", "can"), (r"\bwill not\b", "will"), (r"\bare not\b", "are"),
           (r"^No\b", "Yes"), (r"\bnot\b ", ""), (r"\bis\b", "is not"), (r"\bare\b", "are not"),
           (r"\bcan\b", "cannot"), (r"\bwill\b", "will not"), (r"^Yes\b", "No")]


def _swap_number(answer: str, passage: str, rng: random.Random) -> str | None:
    nums = _NUM.findall(answer)
    if not nums:
        return None
    old = nums[0]
    others = [n for n in dict.fromkeys(_NUM.findall(passage)) if n != old and n not in nums]
    new = rng.choice(others) if others else str(int(float(old)) * 2 + 3)
    return re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w])", new, answer, count=1)


def _swap_fact(answer: str, facts: list[str], pool: list[str], passage: str,
               rng: random.Random) -> str | None:
    for fact in facts:
        if _NUM.fullmatch(fact) or len(fact) < 3 or fact.lower() not in answer.lower():
            continue
        candidates = [f for f in pool if f.lower() != fact.lower() and len(f) >= 3
                      and f.lower() not in answer.lower()]
        in_passage = [f for f in candidates if f.lower() in passage.lower()]
        choice = in_passage or candidates
        if choice:
            new = rng.choice(choice)
            return re.sub(re.escape(fact), new, answer, count=1, flags=re.I)
    return None


def _negate(answer: str) -> str | None:
    for pattern, repl in _NEGATE:
        flipped = re.sub(pattern, repl, answer, count=1)
        if flipped != answer:
            return flipped
    return None


def _perturb(item, passage: str, pool: list[str], turn: int,  # type: ignore[no-untyped-def]
             rng: random.Random) -> tuple[str, str] | None:
    """(kind, wrong answer) from the reference answer, the kinds taken in turn."""
    kinds = ["number", "fact", "negation"]
    body = item.reference_answer.rstrip()  # perturbed without its marker
    for k in range(3):
        kind = kinds[(turn + k) % 3]
        if kind == "number":
            wrong = _swap_number(body, passage, rng)
        elif kind == "fact":
            wrong = _swap_fact(body, list(item.key_facts), pool, passage, rng)
        else:
            wrong = _negate(body)
        if wrong and wrong != body:
            return kind, wrong
    return None


def _passages(hits: list) -> list[dict]:
    return [{"source": h.chunk.source, "section": h.chunk.section, "text": h.chunk.text}
            for h in hits]


def build(failures: list[Path]) -> list[dict]:
    from ragworks.cli import ingest_paths, open_services
    from ragworks.evaluate.answers import load_labelled
    from ragworks.models import Scope

    rng = random.Random(7)
    pairs: list[dict] = []
    for name, (questions, corpus) in SETS.items():
        items = load_labelled(questions)
        facts_by_source: dict[str, list[str]] = {}
        for it in items:
            for s in it.relevant_sources:
                facts_by_source.setdefault(s, []).extend(it.key_facts)
        with tempfile.TemporaryDirectory() as tmp:
            svc = open_services(data_dir=Path(tmp), llm="extractive")
            ingest_paths(svc, [corpus], "default", "default")
            turn = 0
            for it in items:
                facts = list(it.key_facts) or _NUM.findall(it.reference_answer or "")
                if not it.reference_answer or not it.relevant_sources or not facts:
                    continue
                hits = svc.pipeline.run(it.question, Scope(tenant="default"),
                                        include_hits=True).hits[:4]
                ref_words = set(it.reference_answer.lower().split())
                holding = [(len(ref_words & set(h.chunk.text.lower().split())), n)
                           for n, h in enumerate(hits, 1)
                           if h.chunk.source in it.relevant_sources
                           and all(f.lower() in h.chunk.text.lower() for f in facts)]
                if not holding:
                    continue
                gold = max(holding)[1]  # the passage that holds the facts and says most
                passage = hits[gold - 1].chunk.text
                answer = f"{it.reference_answer.rstrip()} [{gold}]"
                base = {"set": name, "question": it.question, "passages": _passages(hits)}
                pairs.append({**base, "answer": answer, "label": "correct",
                              "kind": "reference"})
                pool = [f for s in it.relevant_sources for f in facts_by_source[s]]
                made = _perturb(it, passage, pool, turn, rng)
                if made is not None:
                    kind, wrong = made
                    pairs.append({**base, "answer": f"{wrong} [{gold}]", "label": "wrong",
                                  "kind": kind})
                    turn += 1
            svc.close()
    for path in failures:
        pairs += _failures(path)
    return pairs


def _failures(path: Path) -> list[dict]:
    """Local-model answers that miss their key facts, with the passages they saw."""
    out = []
    for row in json.loads(path.read_text()):
        if row.get("refused") or row.get("key_facts", 1.0) > 0 or not row.get("passages"):
            continue
        out.append({"set": "realdocs", "question": row["question"], "answer": row["answer"],
                    "passages": row["passages"], "label": "wrong",
                    "kind": f"model:{row.get('model', '')}"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    pairs = build(args.failures)
    (HERE / "pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pairs))
    wrong = sum(p["label"] == "wrong" for p in pairs)
    print(f"{len(pairs)} pairs, {wrong} wrong", file=sys.stderr)


if __name__ == "__main__":
    main()
