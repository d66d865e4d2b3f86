"""Where traces live: the TraceStore protocol and the filter of a trace listing.

Two twins implement it with the same signatures: ``store_sqlite.SQLiteTraceStore`` (the
embedded default, one SQLite file) and ``store_dynamodb.DynamoTraceStore`` (AWS).
``ragworks.testing.trace_store`` holds the contract suite that both pass, and that a
third backend can run against itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ragworks.observe.model import Score, Trace

#: (series, time, count, sum, min, max, buckets) of one rollup cell
RollupRow = tuple[str, int, int, float, float, float, list[int]]


@dataclass(frozen=True)
class TraceFilter:
    since: float | None = None
    until: float | None = None
    category: str | None = None
    variant: str | None = None
    status: str | None = None
    has_feedback: bool | None = None
    min_latency_ms: float | None = None
    max_latency_ms: float | None = None
    name: str | None = None
    #: words that must all appear in the question or the answer (case-insensitive)
    text: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    #: "up" or "down": traces whose users rated them so
    rating: str | None = None


def search_words(text: str | None) -> list[str]:
    """The lower-cased words of a trace search (at most 8, each at most 64 characters)."""
    return [w[:64] for w in (text or "").lower().split()][:8]


def searchable(summary: dict[str, Any]) -> str:
    """What a trace search looks in: the question and the answer, lower-cased."""
    question = (summary.get("input") or {}).get("question", "") \
        if isinstance(summary.get("input"), dict) else ""
    answer = (summary.get("output") or {}).get("answer", "") \
        if isinstance(summary.get("output"), dict) else ""
    return f"{question} {answer}".strip().lower()[:4000]


REMOVED_PROMPT = "the prompt quoted document {doc_id}, since deleted"


def retrieved_docs(observations: Sequence[dict[str, Any]]) -> set[str]:
    """The document ids a trace's retrieve spans list."""
    return {hit.get("doc_id", "") for o in observations if o.get("name") == "retrieve"
            and isinstance(o.get("output"), list) for hit in o["output"]
            if isinstance(hit, dict)}


def forget_in(observations: list[dict[str, Any]], doc_id: str) -> bool:
    """Replace the prompts of a trace that retrieved ``doc_id`` (they quote its passages)
    with a note saying so; True when anything changed. Answers stay: they are what the
    user was told, and their citations name the source, not its text."""
    if doc_id not in retrieved_docs(observations):
        return False
    changed = False
    for o in observations:
        if o.get("type") == "generation" and o.get("input") is not None \
                and not _removed(o["input"]):
            o["input"] = {"removed": REMOVED_PROMPT.format(doc_id=doc_id)}
            changed = True
    return changed


REDACTED = "[removed: quoted a deleted document]"
SHINGLE = 5  # words in a row that a redacted sentence shares with the deleted text
_WORD = re.compile(r"\w+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def shingles(texts: Iterable[str]) -> set[tuple[str, ...]]:
    """Every run of ``SHINGLE`` words (lower-cased) of the texts."""
    out: set[tuple[str, ...]] = set()
    for text in texts:
        words = _WORD.findall(text.lower())
        out.update(tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))
    return out


def _quotes(sentence: str, marks: set[tuple[str, ...]]) -> bool:
    words = _WORD.findall(sentence.lower())
    return any(tuple(words[i:i + SHINGLE]) in marks for i in range(len(words) - SHINGLE + 1))


def redact(value: Any, marks: set[tuple[str, ...]]) -> tuple[Any, bool]:
    """``value`` (a string, or lists and dicts of them) with every sentence that shares
    ``SHINGLE`` words in a row with the deleted text replaced by ``REDACTED``; and
    whether anything changed."""
    if isinstance(value, str):
        if len(value) < SHINGLE * 2 or not marks:
            return value, False
        parts = _SENTENCE.split(value)
        kept: list[str] = []
        found = False
        for part in parts:
            if not _quotes(part, marks):
                kept.append(part)
                continue
            found = True
            if not kept or kept[-1] != REDACTED:  # one note for a run of quoting sentences
                kept.append(REDACTED)
        if not found:
            return value, False
        return " ".join(kept), True
    if isinstance(value, list):
        pairs = [redact(v, marks) for v in value]
        return [v for v, _ in pairs], any(c for _, c in pairs)
    if isinstance(value, dict):
        changed = False
        out = {}
        for k, v in value.items():
            out[k], c = redact(v, marks)
            changed = changed or c
        return out, changed
    return value, False


#: what erasing looks at: what the user was told and what the trace shows of the model
ERASED_FIELDS = ("output", "metadata")


def erase_in(summary: dict[str, Any], observations: list[dict[str, Any]],
             marks: set[tuple[str, ...]]) -> bool:
    """Redact the deleted text from a trace's answer and from what its observations
    kept of it (outputs, withdrawn sentences); in place; True when anything changed.
    The question is the user's own words and stays."""
    changed = False
    for part in [summary, *observations]:
        for field in ERASED_FIELDS:
            if field in part:
                part[field], c = redact(part[field], marks)
                changed = changed or c
    return changed


def _removed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"removed"}


class TraceStore(Protocol):
    # -- writes
    def save_trace(self, trace: Trace, wait: bool = True) -> None:
        """Store a finished trace. ``wait=False`` lets a store write it on a thread of its
        own (the request does not wait); every later call on the store sees it all the
        same. A failure then reaches ``on_write_failure`` instead of the caller."""
        ...

    def add_scores(self, tenant: str, scores: Sequence[Score], roll_up: bool = True) -> None: ...

    def upsert_feedback(self, tenant: str, trace_id: str, user_id: str,
                        fields: dict[str, Any]) -> bool: ...

    def delete_traces_before(self, before: float) -> int: ...

    def forget_document(self, tenant: str, doc_id: str, erase: Sequence[str] = ()) -> int:
        """A document was deleted: remove its passages from the prompts of the traces that
        retrieved it (see ``forget_in``); with ``erase`` (the document's text) also redact
        the sentences of their answers that quote it (``erase_in``), so that a trace search
        no longer finds it. Returns how many traces changed."""
        ...

    def flush(self) -> None:
        """Write whatever is buffered (rollups) now."""

    # -- reads
    def get_trace(self, tenant: str, trace_id: str,
                  light: bool = False) -> dict[str, Any] | None: ...

    def get_feedback(self, tenant: str, trace_id: str, user_id: str) -> dict[str, Any] | None: ...

    def list_traces(self, tenant: str, f: TraceFilter, limit: int = 50,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]: ...

    def rollup_rows(self, tenant: str, since: float, until: float, prefixes: Sequence[str],
                    hourly: bool = False) -> Iterator[RollupRow]: ...

    def query_vectors(self, tenant: str, since: float,
                      until: float | None = None) -> list[tuple[int, int, np.ndarray]]: ...

    def recent_feedback(self, tenant: str, limit: int = 20) -> list[dict[str, Any]]: ...

    def corrections(self, tenant: str) -> list[tuple[str, str]]: ...

    def answered(self, tenant: str, since: float, until: float | None = None,
                 thumbs_down_only: bool = True) -> list[dict[str, Any]]: ...

    def variant_rows(self, tenant: str, exp_id: str) -> list[tuple[str, float, str]]: ...

    def variant_scores(self, tenant: str, exp_id: str, name: str) -> list[tuple[str, float]]: ...

    def close(self) -> None: ...
