"""Answer quality against labelled questions: key facts, gold citations, refusals, form.

    row = judge_answer(item, answer)      # per item
    summary = summarise(rows)             # the figures the gate and bench/ report

A *key fact* is a short string a correct answer must contain (a number with its
unit, a name, an option); it is matched case-insensitively on word boundaries
after citation markers are removed. The form checks catch what a reader notices
first: an answer that starts in the middle of a sentence, or one that carries
document markup (reStructuredText directives and roles, Markdown emphasis,
code fences, link syntax, HTML tags).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from ragworks.evaluate.retrieval import Item, load_dataset
from ragworks.models import Answer, Hit

_WORD = re.compile(r"[a-z0-9]+")


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 between an answer and a reference answer."""
    pred = _WORD.findall(re.sub(r"\[\d+\]", " ", prediction.lower()))
    ref = _WORD.findall(reference.lower())
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def token_recall(prediction: str, reference: str) -> float:
    """Share of the reference's words found in the answer (extractive answers run long)."""
    pred = set(_WORD.findall(prediction.lower()))
    ref = _WORD.findall(reference.lower())
    return sum(w in pred for w in ref) / len(ref) if ref else 1.0


_MARKER = re.compile(r"\s*\[\d{1,2}\]")
MARKUP = re.compile(
    r"(^|\s)\.\.\s+[\w-]+::"          # .. directive::
    r"|:[a-z][\w-]*:`"                 # :role:`x`
    r"|``"                             # reST inline literal
    r"|\w::(\s|$)|\s::(\s|$)|^::"      # literal-block marker
    r"|\*\*\S|\S\*\*"                  # strong
    r"|\]\(|\]\[|`_\b|^\s*\[[^\]]+\]:"  # links and link targets
    r"|^\s*#{1,6}\s|^\s*```"           # headings, fences
    r"|</?(?:a|b|i|u|p|em|strong|code|kbd|span|div|br|hr|img|pre|ul|ol|li|table|tr|td|th"
    r"|h[1-6]|sup|sub|small|script|style|template)\b[^>]*>"  # HTML tags (not <placeholders>)
    r"|^\s*[=~^\-]{4,}\s*$"            # section underlines
    r"|<!--|-->",
    re.MULTILINE,
)
#: words that cannot begin an English sentence of documentation in lower case
_CONTINUATION = frozenset(
    "and but or nor so yet because which that who whom whose where when while although "
    "though than then also as of to in on at by for with from into onto about over under "
    "after before between through during without within against along is are was were "
    "be been being has have had do does did can could should would will shall may might "
    "must not it its their they them these those this the a an".split())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:[._\-/:@~$][a-z0-9]+)*", text.lower())


def has_fact(answer: str, fact: str) -> bool:
    """The fact occurs in the answer as whole words (case-insensitive)."""
    text = _MARKER.sub(" ", answer).lower()
    f = fact.lower().strip()
    if not f:
        return True
    if re.fullmatch(r"[\w.\-]+", f):
        return re.search(rf"(?<![\w.\-]){re.escape(f)}(?![\w\-]|\.\w)", text) is not None
    return re.sub(r"\s+", " ", f) in re.sub(r"\s+", " ", text)


def markup_leak(answer: str) -> bool:
    return MARKUP.search(_MARKER.sub(" ", answer)) is not None


def starts_mid_sentence(answer: str, hits: Sequence[Hit] = ()) -> bool:
    """The first sentence of the answer is a fragment of a source sentence.

    Where the answer's opening words are found in a retrieved passage, the passage
    decides: what precedes them (single line breaks count as spaces, since hard
    wraps are not sentence ends) must end a sentence or a block. Otherwise a
    lower-case function word or punctuation at the start does.
    """
    text = answer.strip().lstrip("\"'“‘(")
    if not text:
        return False
    if text[0] in ",;:)]}.!?–—":
        return True
    head = _MARKER.split(text, maxsplit=1)[0].strip()
    if text[0].isupper() and re.search(r"[.!?]$", head) and len(head.split()) >= 4:
        return False  # a whole sentence of its own, even if its words come from mid-sentence
    for size in (40, 24):  # shorter probes match mid-sentence by chance
        probe = head[:size]
        if len(probe) < 10:
            break
        for h in hits:
            pos = h.chunk.text.find(probe)
            if pos < 0:
                continue
            before = h.chunk.text[:pos]
            if not before.strip() or re.search(r"\n[ \t]*\n[ \t]*$", before):
                return False  # the start of the passage, or of a block
            if re.search(r"\n[ \t]*$", before) and re.match(r"[-*•]\s|\d+[.)]\s|[A-Z]",
                                                           text):
                return False  # the start of a line that opens an item or a sentence
            last = before.rstrip(" \t\n\"'“‘(*`")
            return bool(last) and last[-1] not in ".!?:;)—–-*•"
    first = re.match(r"[A-Za-z]+", text)
    return first is not None and text[0].islower() and first.group(0) in _CONTINUATION


Labelled = Item  # a question with its gold sources, reference answer and key facts


def load_labelled(path: Path) -> list[Item]:
    return load_dataset(path)


def judge_answer(item: Labelled, answer: Answer) -> dict:
    """One item's answer-quality figures (only those its labels allow)."""
    refused = not answer.covered
    row: dict = {"question": item.question, "category": item.category,
                 "answer": answer.answer, "refused": refused,
                 "answerable": bool(item.relevant_sources), "model": answer.model,
                 "latency_ms": answer.latency_ms,
                 "mid_sentence": (not refused) and starts_mid_sentence(answer.answer,
                                                                      answer.hits),
                 "markup": (not refused) and markup_leak(answer.answer)}
    if not refused:
        row["words"] = len(_MARKER.sub(" ", answer.answer).split())
    if item.reference_answer and item.relevant_sources:
        row["token_f1"] = token_f1(answer.answer, item.reference_answer)
        row["token_recall"] = token_recall(answer.answer, item.reference_answer)
    if item.relevant_sources:
        gold = set(item.relevant_sources)
        row["cites_gold"] = any(c.source in gold for c in answer.citations)
        if item.key_facts:
            found = [has_fact(answer.answer, f) for f in item.key_facts]
            row["key_facts"] = sum(found) / len(found)
            row["key_facts_all"] = all(found)
    return row


def summarise(rows: Iterable[dict]) -> dict[str, float]:
    rows = list(rows)
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"] and r.get("category") != "chitchat"]
    answered = [r for r in rows if not r["refused"]]

    def mean(xs: list) -> float:
        return round(sum(xs) / len(xs), 4) if xs else 0.0

    out = {
        "answerable": len(answerable),
        "cites_gold": mean([r["cites_gold"] for r in answerable]),
        "refused_answerable": mean([r["refused"] for r in answerable]),
        "key_facts": mean([r["key_facts"] for r in answerable if "key_facts" in r]),
        "key_facts_all": mean([r["key_facts_all"] for r in answerable if "key_facts_all" in r]),
        "token_f1": mean([r["token_f1"] for r in answerable if "token_f1" in r]),
        "token_recall": mean([r["token_recall"] for r in answerable if "token_recall" in r]),
        "answer_words": mean([r["words"] for r in answered if "words" in r]),
        "mid_sentence": mean([r["mid_sentence"] for r in answered]),
        "markup": mean([r["markup"] for r in answered]),
        "latency_ms_mean": mean([r["latency_ms"] for r in rows]),
    }
    if unanswerable:
        out["refused_unanswerable"] = mean([r["refused"] for r in unanswerable])
    return out
