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
from ragworks.generate.verify import Asker, Verifier
from ragworks.models import Hit
from ragworks.text import sentence_spans, tokenize

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
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})*\b")
_UNITS = r"(?:days?|weeks?|months?|years?|hours?|minutes?|seconds?|times|percent|bytes)"
_ABBREV = frozenset("e.g i.e etc vs eg ie cf".split())
_META = frozenset("answer question passage passages document documents context say says "
                  "state states mention mentions provide provided information yes".split())


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


def _words(text: str) -> set[str]:
    """Content words, with identifiers split ("max_concurrent_requests" -> 3 words)."""
    words = tokenize(re.sub(r"[_./:=-]", " ", _MARKER.sub(" ", text)))
    return {w for w in words if len(w) > 1} - _META


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("``", "").replace("`", "")).lower()


def claims(sentence: str) -> list[str]:
    """Numbers, identifiers, quoted strings and proper names a sentence asserts."""
    text = _MARKER.sub(" ", sentence)
    found = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    found += [m.group(1) for m in re.finditer(rf"\b([A-Za-z]+)\s+{_UNITS}\b", text)
              if m.group(1).lower() in _WORDS_AS_NUMBERS]
    found += [m.group(0).strip(".,;:") for m in _IDENT.finditer(text)]
    found += [m.group(1) for m in _QUOTED.finditer(text)]
    found += [m.group(0) for m in _NAME.finditer(text)]
    seen: dict[str, None] = {}
    for c in found:
        if c and c.lower().strip(".") not in _ABBREV and c.lower() not in ("i", "a") \
                and c not in seen:
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
                 semantic: float = 0.72, relation_window: int = 1,
                 novel_missing: float = 0.34, rival_margin: int = 1,
                 topic_margin: int = 1) -> None:
        self.rival_margin = rival_margin
        self.topic_margin = topic_margin
        self.vectors = vectors
        self.coverage = coverage
        self.semantic = semantic
        self.window = relation_window
        self.novel_missing = novel_missing

    def check(self, answer: str, hits: Sequence[Hit], question: str = "") -> GroundingReport:
        spans = sentence_spans(answer)
        out: list[SentenceCheck] = []
        last_cited: tuple[int, ...] = ()
        for i, (start, end) in enumerate(spans):
            sentence = answer[start:end]
            nxt = answer[end:spans[i + 1][0]] if i + 1 < len(spans) else answer[end:]
            if _MARKER.fullmatch(sentence.strip()):
                continue
            marked = tuple(int(n) for n in _MARKER.findall(sentence + nxt.split("\n")[0]))
            cited = tuple(n for n in marked if 1 <= n <= len(hits))
            if marked and not cited:
                out.append(SentenceCheck(_MARKER.sub("", sentence).strip(), marked, False,
                                         [f"cites {_cite(marked)}, which was not retrieved"]))
                continue
            cited = cited or last_cited
            last_cited = cited
            words = [w for w in tokenize(_MARKER.sub(" ", sentence)) if w not in _META]
            if len(words) < 2 and not claims(sentence):
                continue  # "Yes." carries no claim of its own
            out.append(self._sentence(sentence, cited, hits, question))
        return GroundingReport(out)

    def _sentence(self, sentence: str, cited: tuple[int, ...], hits: Sequence[Hit],
                  question: str = "") -> SentenceCheck:
        pool = [hits[n - 1] for n in cited] if cited else list(hits)
        units = [_norm(p.chunk.text[s:e]) for p in pool
                 for s, e in sentence_spans(p.chunk.text)]
        heads = " ".join(_norm(p.chunk.section) for p in pool)
        check = SentenceCheck(_MARKER.sub("", sentence).strip(), cited, True)
        if not units:
            check.grounded = False
            check.problems.append("cites no retrieved passage")
            return check
        own = _words(sentence)
        new = own - _words(question)  # what the sentence adds to the question
        best, best_cov = self._best_unit(sentence, own, new, units)
        window = " ".join(units[max(0, best - self.window): best + self.window + 1])
        near = _words(window) | _words(heads)
        asked = _norm(question)
        for claim in claims(sentence):
            if _occurs(claim, asked):
                continue  # the question's own subject, not a claim of the answer
            if not self._claim_ok(claim, own, _words(question), units, best, _words(heads)):
                check.problems.append(f"{claim!r} is not in {_cite(cited)} as said")
        if best_cov < self.coverage:
            check.problems.append(f"only {best_cov:.0%} of the sentence is in {_cite(cited)}")
        missing = new - near
        if new and len(missing) / len(new) > self.novel_missing:
            check.problems.append(f"{', '.join(sorted(missing))} not in {_cite(cited)}")
        if _contradicts(sentence, question, units[best], window, new or own):
            check.problems.append(f"negation disagrees with {_cite(cited)}")
        check.grounded = not check.problems
        return check

    def _best_unit(self, sentence: str, own: set[str], new: set[str],
                   units: list[str]) -> tuple[int, float]:
        """The passage sentence that best supports this one, and its coverage."""
        cover, rank = [], []
        for i in range(len(units)):
            near = _words(" ".join(units[max(0, i - self.window): i + self.window + 1]))
            cover.append(len(own & near) / len(own) if own else 1.0)
            mine = _words(units[i])
            rank.append(len(new & mine) + 0.5 * len(own & mine))
        best = int(np.argmax(cover))
        focus = int(np.argmax(rank))  # the sentence that holds what this one adds
        if cover[focus] >= cover[best] - 0.1:
            best = focus
        if self.vectors is not None and cover[best] < self.coverage:
            m = self.vectors.vectors([_MARKER.sub(" ", sentence).strip(), *units])
            sims = m[1:] @ m[0]
            j = int(np.argmax(sims))
            if sims[j] >= self.semantic and cover[j] >= self.coverage / 2:
                return j, self.coverage  # a paraphrase of passage sentence j
        return best, cover[best]

    def _claim_ok(self, claim: str, own: set[str], topic: set[str], units: list[str],
                  best: int, heads: set[str]) -> bool:
        """The claim is said about the same things: a passage sentence holding it (with
        its neighbours and the section heading) shares enough of the other words of
        the answer sentence and of the question."""
        context = (own | topic) - _words(claim)
        numeric = bool(_NUMBER.fullmatch(claim)) or claim.lower() in _WORDS_AS_NUMBERS
        # a number (or option, name) must be the one the passage gives for this very
        # thing: of the passage sentences that hold any claim of its kind, the one that
        # shares most words with the answer and the question must hold this one
        if not numeric and topic - _words(claim):
            # an option or name must sit where the passage talks about what was asked
            ask = topic - _words(claim)
            span = self.window + 2  # an answer often sits a few sentences after its topic
            fit = [len(ask & _words(" ".join(units[max(0, i - span): i + span + 1])))
                   for i in range(len(units))]
            top = max(fit)
            if top and max((fit[i] for i, u in enumerate(units) if _occurs(claim, u)),
                           default=-1) < top - self.topic_margin:
                return False
        if numeric:
            rivals = [(len(context & _words(u)), i) for i, u in enumerate(units)
                      if _NUMBER.search(u)]
            top = max((n for n, _ in rivals), default=0)
            mine = max((n for n, i in rivals if _occurs(claim, units[i])), default=-1)
            if top and top - mine >= self.rival_margin:
                return False
        for i, unit in enumerate(units):
            if not _occurs(claim, unit):
                continue
            if not context:
                return True
            near = _words(" ".join(units[max(0, i - self.window): i + self.window + 1]))
            share = 0.25 if abs(i - best) <= self.window else 0.4
            if len(context & (near | heads)) >= max(1, round(share * len(context))):
                return True
        return False


def _contradicts(sentence: str, question: str, unit: str, window: str,
                 own: set[str]) -> bool:
    """A negation on one side only: the answer negates what no nearby passage sentence
    negates, or the supporting sentence negates one of the answer's own words
    ("will not be stored") while the answer (and the question) say nothing negative."""
    body = _MARKER.sub(" ", sentence)
    leading_no = re.match(r"\s*No\b", body) is not None
    body = re.sub(r"^\s*(No|Yes)\b[,.;:]?\s*", "", body)
    says_not = bool(_NEG.search(body))
    if says_not and not _NEG.search(window) and not _NEG.search(question):
        return True
    if says_not or leading_no or _NEG.search(question):
        return False
    for m in _NEG.finditer(unit):
        following = _words(" ".join(unit[m.end():].split()[:3]))
        if following & own:
            return True
    return False


def _cite(cited: tuple[int, ...]) -> str:
    return ", ".join(f"[{n}]" for n in cited) if cited else "the passages"


def check(answer: str, hits: Sequence[Hit], vectors: VectorCache | None = None
          ) -> GroundingReport:
    return GroundingChecker(vectors).check(answer, hits)


class SentenceGate:
    """Release a streamed model answer one verified sentence at a time.

    ``feed`` takes the next piece of model text and returns the sentences that are
    complete and grounded (each with its citation marker and a trailing space);
    the first sentence that fails stops the gate, and it and everything after it
    are kept in ``withdrawn`` (never shown). ``finish`` checks what is left at the
    end of the stream. A reader therefore never sees text that is later taken back.
    """

    def __init__(self, checker: GroundingChecker, hits: Sequence[Hit],
                 question: str = "", verifier: Verifier | None = None,
                 refusal_stands: bool = True) -> None:
        self.checker, self.hits, self.question = checker, hits, question
        #: a refusal that opens the answer is released (the evidence is weak) rather
        #: than withdrawn (strong passages: the caller's fallback answers instead)
        self.refusal_stands = refusal_stands
        #: a second opinion (the local model) on sentences the rules let through
        self.verifier = verifier
        #: the answer's own model context (local_llama.Probe), set once the stream starts:
        #: the verifier then asks inside it instead of reading the passages again
        self.probe: Asker | None = None
        #: what the model read of each passage (its chosen sentences), set once the stream
        #: starts: the verifier checks a sentence against that, not the whole passage
        self.read: Sequence[str] | None = None
        self.margins: list[float] = []
        self.buffer = ""
        self.stopped = False
        self.withdrawn: list[dict] = []
        self.shown = 0
        self._last_cited: tuple[int, ...] = ()

    def feed(self, piece: str) -> list[str]:
        if self.stopped:
            return []
        self.buffer += piece
        spans = _with_markers(self.buffer)
        if len(spans) < 2:
            return []
        keep_from = spans[-1][0]
        out = self._release([self.buffer[s:spans[i + 1][0]]  # with the whitespace after it
                             for i, (s, _) in enumerate(spans[:-1])])
        self.buffer = self.buffer[keep_from:]
        return out

    def finish(self) -> list[str]:
        if self.stopped or not self.buffer.strip():
            return []
        spans = _with_markers(self.buffer)
        out = self._release([self.buffer[s:e] for s, e in spans])
        self.buffer = ""
        return out

    def _release(self, sentences: list[str]) -> list[str]:
        out = []
        for i, sentence in enumerate(sentences):
            if self.stopped:
                break
            if _REFUSAL.search(sentence):
                if self.shown == 0 and i == 0 and self.refusal_stands:  # a refusal
                    self.stopped = True  # (the pipeline marks it not covered)
                    out.append(sentence)
                    break
                report_problems = ["a refusal after an answer" if self.shown or i else
                                   "a refusal despite strong passages"]
                grounded = False
            else:
                cited = tuple(int(n) for n in _MARKER.findall(sentence))
                text = sentence.strip() if cited or not self._last_cited else \
                    f"{sentence.strip()} [{self._last_cited[0]}]"
                report = self.checker.check(text, self.hits, self.question)
                grounded, report_problems = report.grounded, report.problems
                if not grounded:  # grounded in another retrieved passage: cite that one
                    moved = self._recite(text)
                    if moved is not None:
                        sentence, grounded = moved + sentence[len(sentence.rstrip()):], True
                        cited = tuple(int(n) for n in _MARKER.findall(moved))
                if grounded and self.verifier is not None:
                    problem = self._second_opinion(sentence, cited or self._last_cited)
                    if problem:
                        grounded, report_problems = False, [problem]
                self._last_cited = cited or self._last_cited
            if grounded:
                out.append(sentence if sentence[-1:].isspace() else sentence + " ")
                self.shown += 1
            else:
                self.stopped = True
                self.withdrawn.append({"text": " ".join(s.strip() for s in sentences[i:]),
                                       "problems": report_problems})
        return out


    def _second_opinion(self, sentence: str, cited: tuple[int, ...]) -> str | None:
        assert self.verifier is not None
        read = self.read or ()  # what the model was given of each passage, if it said
        passages = [(read[n - 1] if n <= len(read) else "") or self.hits[n - 1].chunk.text
                    for n in cited if 1 <= n <= len(self.hits)] \
            or [h.chunk.text for h in self.hits]
        margin = None
        if self.probe is not None:  # asked inside the answer's context: nothing read again
            marked = sentence.strip() if _MARKER.search(sentence) or not cited else \
                f"{sentence.strip()} [{cited[0]}]"
            margin = self.verifier.in_context(self.probe, marked)
            threshold = self.verifier.context_threshold
        if margin is None:
            margin = self.verifier.margin(self.question, passages,
                                          _MARKER.sub("", sentence).strip())
            threshold = self.verifier.threshold
        self.margins.append(round(margin, 3))
        if margin > threshold:
            return (f"{self.verifier.name} finds it unsupported by {_cite(cited)} "
                    f"(margin {margin:.2f} > {threshold:g})")
        return None

    def _recite(self, text: str) -> str | None:
        """The sentence with its marker moved to the retrieved passage that grounds it."""
        bare = _MARKER.sub("", text).rstrip()
        for n in range(1, len(self.hits) + 1):
            candidate = f"{bare} [{n}]"
            if candidate != text and self.checker.check(candidate, self.hits,
                                                        self.question).grounded:
                return candidate
        return None


_REFUSAL = re.compile(r"documents do not cover|passages do not (answer|contain|cover)", re.I)


def is_refusal(text: str) -> bool:
    """The answer says the documents do not answer the question (the prompt's wording)."""
    first = next(iter(sentence_spans(text)), None)
    return first is not None and _REFUSAL.search(text[first[0]:first[1]]) is not None


def _with_markers(text: str) -> list[tuple[int, int]]:
    """Sentence spans with a following bare citation marker joined to its sentence."""
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if spans and _MARKER.fullmatch(text[s:e].strip()):
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    return spans
