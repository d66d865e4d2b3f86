"""Claim-level grounding: is every sentence of an answer supported by its citation?

A sentence is *grounded* when, in the passages it cites (all retrieved passages
when it cites none):

1. **every claim is there in the same relation**: each number (with its unit),
   date, quoted string, option, identifier and proper name of the sentence occurs
   in a passage sentence that also holds the sentence's own context words: "27
   days of vacation" is grounded by "employees get 27 days", "Three days of
   vacation" is not, and neither is a number the passage uses for something else;
2. **its content is there**: most of its content words occur in one passage
   sentence and its neighbours (or that sentence is semantically close, by the
   retrieval embedder, and shares a fair part of the words);
3. **its polarity agrees**: a negation ("not", "no", "never", "n't", "cannot")
   on one side only is a contradiction.

No model is needed; the embedder only sharpens rule 2. ``bench/grounding.py``
measures this as a detector of wrong answers on ``evals/grounding/pairs.jsonl``
(real local-model failures, constructed errors, and correct paraphrases).

    report = check(answer_text, hits, vectors)
    report.score          # share of grounded sentences, 0..1
    report.grounded       # every sentence grounded
    report.problems       # ["'Three' is not in [1] as said", ...]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ragworks.embed.cache import VectorCache
from ragworks.index.lexical import tokenize
from ragworks.ingest.segment import sentence_spans
from ragworks.models import Hit

_MARKER = re.compile(r"\[(\d{1,2})\]")
_NEG = re.compile(r"\b(not|no|never|none|nothing|cannot|neither|nor|without)\b|n't\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)*(?:\s?(?:%|[KMGT]i?B|[kmµ]s|s\b))?",
                     re.I)
_WORDS_AS_NUMBERS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "fifteen": "15", "twenty": "20", "thirty": "30", "hundred": "100",
}
_IDENT = re.compile(r"(?<![\w/~.-])(?:--?[\w][\w.=:/-]*|[\w~/.-]*[_./~=:][\w~/.=:-]*\w"
                    r"|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[\w]*)")
_QUOTED = re.compile(r"[\"“']([^\"”'\n]{2,40})[\"”']")
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})*")
_META = frozenset("answer question passage passages document documents context say says "
                  "state states mention mentions provide provided information".split())


@dataclass
class SentenceCheck:
    text: str
    cited: tuple[int, ...]
    grounded: bool
    problems: list[str] = field(default_factory=list)


@dataclass
class GroundingReport:
    sentences: list[SentenceCheck]

    @property
    def score(self) -> float:
        if not self.sentences:
            return 1.0
        return sum(s.grounded for s in self.sentences) / len(self.sentences)

    @property
    def grounded(self) -> bool:
        return all(s.grounded for s in self.sentences)

    @property
    def problems(self) -> list[str]:
        return [p for s in self.sentences for p in s.problems]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("``", "").replace("`", "")).lower()


def claims(sentence: str) -> list[str]:
    """Numbers, identifiers, quoted strings and proper names a sentence asserts."""
    text = _MARKER.sub(" ", sentence)
    found = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    found += [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in _WORDS_AS_NUMBERS
              and not re.search(rf"\b{w}\b\s+(?:of|or)\b", text)]
    found += [m.group(0).strip(".,;:") for m in _IDENT.finditer(text)]
    found += [m.group(1) for m in _QUOTED.finditer(text)]
    found += [m.group(0) for m in _NAME.finditer(text)]
    seen: dict[str, None] = {}
    for c in found:
        if c and len(c) > 0 and c.lower() not in ("i", "a") and c not in seen:
            seen[c] = None
    return list(seen)


def _claim_variants(claim: str) -> list[str]:
    low = _norm(claim)
    out = [low]
    if low in _WORDS_AS_NUMBERS:
        out.append(_WORDS_AS_NUMBERS[low])
    if re.fullmatch(r"[\d,]+", low):
        out.append(low.replace(",", ""))
    m = re.fullmatch(r"([\d.,]+)\s?([a-z%]+)", low)
    if m:  # "8 MB" vs "8MB"
        out += [f"{m.group(1)}{m.group(2)}", f"{m.group(1)} {m.group(2)}"]
    return out


def _occurs(claim: str, text: str) -> list[int]:
    """Positions of the claim in normalised passage text, on token boundaries."""
    positions = []
    for v in _claim_variants(claim):
        for m in re.finditer(rf"(?<![\w]){re.escape(v)}(?![\w])", text):
            positions.append(m.start())
    return positions


class GroundingChecker:
    """Example::

        checker = GroundingChecker(VectorCache(embedder))
        report = checker.check("Employees get 27 days of vacation. [1]", hits)
    """

    def __init__(self, vectors: VectorCache | None = None, coverage: float = 0.6,
                 semantic: float = 0.72, relation_window: int = 1) -> None:
        self.vectors = vectors
        self.coverage = coverage
        self.semantic = semantic
        self.window = relation_window

    def check(self, answer: str, hits: Sequence[Hit]) -> GroundingReport:
        spans = sentence_spans(answer)
        out: list[SentenceCheck] = []
        last_cited: tuple[int, ...] = ()
        for i, (start, end) in enumerate(spans):
            sentence = answer[start:end]
            nxt = answer[end:spans[i + 1][0]] if i + 1 < len(spans) else answer[end:]
            if _MARKER.fullmatch(sentence.strip()):
                continue
            cited = tuple(int(n) for n in _MARKER.findall(sentence + nxt.split("\n")[0]))
            cited = tuple(n for n in cited if 1 <= n <= len(hits)) or last_cited
            last_cited = cited
            words = [w for w in tokenize(_MARKER.sub(" ", sentence)) if w not in _META]
            if len(words) < 2 and not claims(sentence):
                continue  # "Yes." carries no claim of its own
            out.append(self._sentence(sentence, cited, hits))
        return GroundingReport(out)

    def _sentence(self, sentence: str, cited: tuple[int, ...],
                  hits: Sequence[Hit]) -> SentenceCheck:
        pool = [hits[n - 1] for n in cited] if cited else list(hits)
        units = [_norm(p.chunk.text[s:e]) for p in pool
                 for s, e in sentence_spans(p.chunk.text)]
        heads = [_norm(p.chunk.section) for p in pool]
        check = SentenceCheck(_MARKER.sub("", sentence).strip(), cited, True)
        if not units:
            check.grounded = False
            check.problems.append("cites no retrieved passage")
            return check
        own = set(tokenize(_MARKER.sub(" ", sentence))) - _META
        best, best_cov = self._best_unit(sentence, own, units)
        window = " ".join(units[max(0, best - self.window): best + self.window + 1])
        for claim in claims(sentence):
            if not self._claim_ok(claim, own, units, heads):
                check.problems.append(f"{claim!r} is not in {_cite(cited)} as said")
        if best_cov < self.coverage:
            check.problems.append(f"only {best_cov:.0%} of the sentence is in {_cite(cited)}")
        if bool(_NEG.search(_MARKER.sub(" ", sentence))) != bool(_NEG.search(window)):
            check.problems.append(f"negation disagrees with {_cite(cited)}")
        check.grounded = not check.problems
        return check

    def _best_unit(self, sentence: str, own: set[str], units: list[str]) -> tuple[int, float]:
        """The passage sentence that best supports this one, and its coverage."""
        cover = []
        for i in range(len(units)):
            near = set(tokenize(" ".join(units[max(0, i - self.window): i + self.window + 1])))
            cover.append(len(own & near) / len(own) if own else 1.0)
        best = int(np.argmax(cover))
        if self.vectors is not None and cover[best] < self.coverage:
            m = self.vectors.vectors([_MARKER.sub(" ", sentence).strip(), *units])
            sims = m[1:] @ m[0]
            j = int(np.argmax(sims))
            if sims[j] >= self.semantic and cover[j] >= self.coverage / 2:
                return j, self.coverage  # a paraphrase of passage sentence j
        return best, cover[best]

    def _claim_ok(self, claim: str, own: set[str], units: list[str], heads: list[str]) -> bool:
        context = own - set(tokenize(claim))
        for i, unit in enumerate(units):
            if not _occurs(claim, unit):
                continue
            if not context:
                return True
            near = " ".join(units[max(0, i - self.window): i + self.window + 1])
            shared = context & set(tokenize(near + " " + " ".join(heads)))
            if len(shared) >= min(2, len(context)) or len(shared) / len(context) >= 0.3:
                return True
        return False


def _cite(cited: tuple[int, ...]) -> str:
    return ", ".join(f"[{n}]" for n in cited) if cited else "the passages"


def check(answer: str, hits: Sequence[Hit], vectors: VectorCache | None = None
          ) -> GroundingReport:
    return GroundingChecker(vectors).check(answer, hits)
