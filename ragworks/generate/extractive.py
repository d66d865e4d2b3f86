"""An answerer with no model: quotes the sentences that answer the question.

Deterministic and fast, so it serves tests, the fallback when a model fails or
invents, and a fair A/B baseline for any generator.

- **Units** are whole sentences of the retrieved passages (``ragworks.text``),
  whole list items, or code lines; a one-word reply ("Yes.", "No.") travels
  with the sentence after it. Questions quoted in the passage are never answers.
- **Score**: the cosine between the question and the sentence (the retrieval
  embedder, vectors cached), the idf-weighted share of the question's words in
  the sentence, a bonus for the opening sentences of a section whose heading
  matches the question (FAQ answers), and the passage's retrieval score.
- **Selection**: the best unit, plus a close runner-up from the same passage
  (never more than ``sentences``); a multi-hop or comparison question gets the
  best unit for each sub-question; a summary the best unit of up to four
  different passages. A unit that ends with ":" brings the list items or code
  lines that follow it, so lists and steps keep their structure.
- **Reading order** within a passage, and a citation [n] for every passage
  quoted. Text never comes from outside ``hits``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ragworks.embed.cache import VectorCache
from ragworks.generate import Usage
from ragworks.generate.grounding import claims
from ragworks.models import Hit, Plan
from ragworks.route.followup import as_written
from ragworks.text import sentence_spans, tokenize

CHITCHAT_REPLIES = {
    "thank": "You're welcome! Ask me anything about your documents.",
    "bye": "Goodbye! Come back with questions about your documents any time.",
    "how are you": "I'm doing well, thanks. What would you like to know from your documents?",
}
DEFAULT_CHITCHAT = "Hello! I answer questions about your documents. What would you like to know?"
_ITEM = re.compile(r"[ \t]*(?:[-*•]|\d{1,3}[.)]|[a-z][.)])\s+\S")
_SHORT = 4  # words: a unit this short is joined to the next sentence


def chitchat_reply(question: str) -> str:
    low = question.lower()
    return next((r for k, r in CHITCHAT_REPLIES.items() if k in low), DEFAULT_CHITCHAT)


_NUMBER = re.compile(r"\d")


@dataclass
class Unit:
    hit: int         # 1-based rank of the passage
    pos: int         # order within the passage
    text: str
    kind: str        # "sentence" | "item" | "code"
    para: int        # paragraph number within the passage
    score: float = 0.0
    asked: frozenset[str] = frozenset()  # the question's words it holds (set by _score)


def units_of(text: str, hit: int) -> list[Unit]:
    """Sentences, list items and code lines of a passage, in reading order."""
    out: list[Unit] = []
    for para, block in enumerate(re.split(r"\n[ \t]*\n", text)):
        prose: list[str] = []
        for line in [*block.split("\n"), None]:
            structured = line is not None and (line.startswith("    ") or _ITEM.match(line))
            if prose and (line is None or structured):
                joined = " ".join(prose)
                out.extend(Unit(hit, 0, joined[s:e], "sentence", para)
                           for s, e in sentence_spans(joined))
                prose = []
            if line is None or not line.strip():
                continue
            if structured:
                kind = "code" if line.startswith("    ") else "item"
                out.append(Unit(hit, 0, line.rstrip(), kind, para))
            else:
                prose.append(line.strip())
    for i, u in enumerate(out):
        u.pos = i
    return _join_short(out)


def _join_short(units: list[Unit]) -> list[Unit]:
    """"Yes." and "No." travel with the sentence that follows them."""
    out: list[Unit] = []
    for u in units:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == u.kind == "sentence" and prev.para == u.para \
                and len(prev.text.split()) < _SHORT and not prev.text.endswith(":"):
            prev.text = f"{prev.text} {u.text}"
            continue
        out.append(u)
    return out


#: the weight of a term that only the earlier questions of a follow-up bring
CONTEXT_WEIGHT = 0.3


def _within(ranked: list[Unit], words: int) -> list[Unit]:
    """The best units (``ranked`` best first) that fit ``words`` together (the first
    always), in reading order."""
    keep: list[Unit] = []
    used = 0
    for u in ranked:
        size = len(u.text.split())
        if keep and used + size > words:
            continue
        keep.append(u)
        used += size
    return sorted(keep, key=lambda u: (u.hit, u.pos))


def _continued(keep: list[Unit], units: list[Unit], most: int = 4) -> list[Unit]:
    """What a chosen unit announces and cannot be read without: the items or code lines
    after a sentence that ends with a colon ("...the following precedence:"), up to
    ``most`` of them, outside the word budget."""
    out: list[Unit] = []
    for u in keep:
        if not u.text.rstrip().endswith(":"):
            continue
        out += [v for v in units if v.hit == u.hit and u.pos < v.pos <= u.pos + most
                and (v.kind != "sentence" or v.para == u.para)]
    return out


def _joined(units: list[Unit]) -> str:
    """One passage's chosen units as text, "..." where some were left out between."""
    text, last = "", -1
    for u in units:
        gap = " ... " if last >= 0 and u.pos != last + 1 else " "
        text = f"{text}{gap if text else ''}{' '.join(u.text.split())}"
        last = u.pos
    return text


class ExtractiveAnswerer:
    """Example::

        answerer = ExtractiveAnswerer(VectorCache(embedder))
        text = "".join(answerer.answer(question, hits, plan))
    """

    name = "extractive"

    def __init__(self, vectors: VectorCache | None = None, sentences: int = 2,
                 runner_up: float = 0.9, follow: float = 0.6, short_words: int = 12) -> None:
        self.vectors = vectors
        self.sentences = sentences
        self.runner_up = runner_up
        self.follow = follow
        self.short_words = short_words

    def answer(self, question: str, hits: Sequence[Hit], plan: Plan,
               usage: Usage | None = None) -> Iterator[str]:
        if plan.mode == "none":
            yield chitchat_reply(question)
            return
        units = [u for n, h in enumerate(hits, 1) for u in units_of(h.chunk.text, n)]
        units = [u for u in units if not u.text.rstrip().endswith("?")
                 and len(tokenize(u.text)) >= 1]
        if not units:
            return
        queries = list(plan.sub_questions) if plan.decompose and plan.sub_questions \
            else [question]
        chosen: list[Unit] = []
        for q in queries:
            self._score(q, units, hits)
            picked = self._pick(units, chosen, summary=plan.mmr)
            chosen += [u for u in picked if u not in chosen]
        text = self._render(chosen, units)
        yield text
        if usage is not None:
            usage.output_tokens = len(text.split())

    def focus(self, question: str, hits: Sequence[Hit], words: int) -> list[str]:
        """Each passage cut to about ``words`` words: its sentences that score best for
        the question, in reading order ("..." where some were left out). A model reads
        what matters instead of the first ``words`` words; a passage that fits stays."""
        units = [u for n, h in enumerate(hits, 1) for u in units_of(h.chunk.text, n)]
        if units:
            self._score(question, units, hits)
        out = []
        for n, h in enumerate(hits, 1):
            own = [u for u in units if u.hit == n]
            if len(h.chunk.text.split()) <= words or not own:
                out.append(" ".join(h.chunk.text.split()[:words]))
                continue
            out.append(_joined(_within(sorted(own, key=lambda u: -u.score), words)))
        return out

    def select(self, question: str, hits: Sequence[Hit], words: int) -> list[str]:
        """The best sentences of all the passages together, about ``words`` words in all
        (at least the best one), each passage's in reading order; "" for a passage none
        was chosen from (the prompt leaves it out, its number stays)."""
        units = [u for n, h in enumerate(hits, 1) for u in units_of(h.chunk.text, n)
                 if u.kind != "code" or len(tokenize(u.text)) > 3]
        if not units:
            return [" ".join(h.chunk.text.split()[:words]) for h in hits]
        self._score(question, units, hits)
        keep = _within(sorted(units, key=lambda u: -u.score), words)
        chosen = {id(u) for u in keep}
        keep = sorted(keep + [u for u in _continued(keep, units) if id(u) not in chosen],
                      key=lambda u: (u.hit, u.pos))
        return [_joined([u for u in keep if u.hit == n]) for n in range(1, len(hits) + 1)]

    def _score(self, question: str, units: list[Unit], hits: Sequence[Hit]) -> None:
        # a follow-up asked with the questions before it (route/followup.py): those name
        # the topic, which retrieval needed; the sentence must answer the user's own words
        own = set(tokenize(as_written(question)))
        q = set(tokenize(question))
        docs = [set(tokenize(u.text)) for u in units]
        n = len(units)
        idf = {t: math.log(1 + n / (1 + sum(t in d for d in docs)))
               * (1.0 if t in own else CONTEXT_WEIGHT) for t in q}
        total = sum(idf.values()) or 1.0
        top = max((h.fused for h in hits), default=1.0) or 1.0
        heads = [set(tokenize(h.chunk.section.rsplit(" > ", 1)[-1])) for h in hits]
        heading_match = [sum(idf.get(t, 0.0) for t in q & hd) / total for hd in heads]
        cos = self._cosines(question, units)
        for u, words, c in zip(units, docs, cos, strict=True):
            u.asked = frozenset(q & words)
            lexical = sum(idf[t] for t in q & words) / total
            section = heading_match[u.hit - 1]
            opening = section * (1.0 if u.pos == 0 else 0.5 if u.pos == 1 else 0.0)
            prior = hits[u.hit - 1].fused / top
            thin = len(words) <= 3 and u.kind != "sentence"  # "- path {string}"
            u.score = 0.5 * c + 0.35 * lexical + 0.35 * opening + 0.15 * section \
                + 0.15 * prior - (0.1 if u.kind == "code" else 0.0) - (0.2 if thin else 0.0)

    def _cosines(self, question: str, units: list[Unit]) -> list[float]:
        if self.vectors is None:
            return [0.0] * len(units)
        m = self.vectors.vectors([question, *(u.text for u in units)])
        return [float(x) for x in m[1:] @ np.asarray(m[0], dtype=np.float32)]

    def _pick(self, units: list[Unit], already: list[Unit], summary: bool) -> list[Unit]:
        ranked = sorted((u for u in units if u.kind != "code"), key=lambda u: -u.score) \
            or sorted(units, key=lambda u: -u.score)
        if summary:  # the best unit of up to four different passages
            seen: set[int] = {u.hit for u in already}
            out: list[Unit] = []
            for u in ranked:
                if u.hit not in seen and len(out) < 4:
                    out.append(u)
                    seen.add(u.hit)
            return out
        best = next((u for u in ranked if u not in already), None)
        if best is None:
            return []
        out = [best]
        nxt = next((u for u in units if u.hit == best.hit and u.pos == best.pos + 1
                    and u.para == best.para and u.kind == "sentence"), None)
        announcing = len(best.text.split()) < self.short_words and not claims(best.text)
        if nxt is not None and (announcing or nxt.score >= self.follow * best.score
                                or nxt.text.rstrip().endswith(":")):
            out.append(nxt)  # the sentence that carries the detail the first announces
        for u in ranked:
            if len(out) >= self.sentences or u.score < self.runner_up * best.score:
                break
            if u not in out and u.hit == best.hit and u not in already \
                    and abs(u.pos - best.pos) <= 2:
                out.append(u)
        return _without_rivals(out, keep=out[1] if len(out) > 1 and (announcing or
                               best.text.rstrip().endswith(":")) else None)

    def _render(self, chosen: list[Unit], units: list[Unit]) -> str:
        """Reading order per passage; a unit ending in ":" brings its items or code."""
        by_hit: dict[int, list[Unit]] = {}
        for u in sorted(chosen, key=lambda u: (u.hit, u.pos)):
            group = by_hit.setdefault(u.hit, [])
            if u not in group:
                group.append(u)
            if u.text.rstrip().endswith(":"):
                follow = [v for v in units if v.hit == u.hit and v.pos > u.pos]
                for v in follow[:12]:
                    if v.kind == "sentence" or sum(len(x.text) for x in group) > 700:
                        break
                    if v not in group:
                        group.append(v)
        parts = []
        for hit in sorted(by_hit):
            group = sorted(by_hit[hit], key=lambda u: u.pos)
            text = ""
            for u in group:
                sep = "\n" if u.kind != "sentence" or (text and text.endswith(":")) else " "
                body = u.text.strip() if u.kind != "code" else u.text.rstrip()
                text = f"{text}{sep if text else ''}{body}"
            parts.append(f"{text} [{hit}]")
        return "\n\n".join(parts) if any("\n" in p for p in parts) else " ".join(parts)


def _without_rivals(picked: list[Unit], keep: Unit | None = None) -> list[Unit]:
    """Drop a competing value: a sentence with a number that holds only part of what
    another picked sentence with a number holds of the question. Asked about the
    *secondary* caregiver, "The primary caregiver receives 20 weeks" goes when "The
    secondary caregiver receives 8 weeks" is there too."""
    out = []
    for u in picked:
        rival = next((v for v in picked if v is not u and u.asked < v.asked
                      and _NUMBER.search(u.text) and _NUMBER.search(v.text)), None)
        if rival is None or u is keep:
            out.append(u)
    return out or picked[:1]
