"""A follow-up question made to stand on its own, from the conversation before it.

"How long is it valid?" after "How do visitors get on the Wi-Fi?" retrieves nothing about
Wi-Fi by itself. Without a model to rewrite it (the default answerer is extractive), a
question that refers back (a pronoun with nothing to point at inside it, an opening
"and ..." or "what about ...", or two content words or fewer) is asked together with the
user's previous question, which names the topic: retrieval, coverage and the answer's
sentence scoring then see both. A question that stands on its own is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_REFERS = re.compile(r"\b(it|its|it's|they|them|their|theirs|this|that|these|those|there|"
                     r"he|she|him|her|his|hers|one|ones|same|former|latter)\b", re.I)
_CONTINUES = re.compile(r"^\s*(and|but|also|so|or|then|what about|how about|what if|"
                        r"same for|and for|what else)\b", re.I)
_MARK = " (Follow-up to: "
_WORD = re.compile(r"[A-Za-z0-9][\w'.-]*")
_FUNCTION = frozenset(
    "a an the is are was were be been do does did can could should would will shall may "
    "might must i you we my your our of to in on for at by with from about how what when "
    "where which who whom why whose long much many often else more please tell me".split())


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _FUNCTION
            and not _REFERS.fullmatch(w)]


def refers_back(question: str) -> bool:
    """The question leans on what was asked before it."""
    return bool(_REFERS.search(question) or _CONTINUES.match(question)
                or len(content_words(question)) <= 2)


def standalone(question: str, earlier: Sequence[str], depth: int = 3) -> str:
    """``question`` as it is asked of the documents, given the user's ``earlier`` questions
    (oldest first): unchanged when it stands on its own or there is nothing before it;
    else with the earlier questions back to the last one that stood on its own (at most
    ``depth`` of them: a chain of follow-ups keeps its topic)."""
    asked = [q.strip() for q in earlier if q.strip()]
    if not asked or not refers_back(question):
        return question
    context: list[str] = []
    for q in reversed(asked[-depth:]):
        context.insert(0, q)
        if not refers_back(q):
            break
    return f"{question.strip()}{_MARK}{' '.join(context)})"


def as_written(asked: str) -> str:
    """The user's own words of a question ``standalone`` may have extended."""
    return asked.split(_MARK, 1)[0]
