"""Do the documents cover this question? Decided by retrieval evidence, per collection.

A fixed relevance threshold means different things on different corpora: a
collection of long technical pages gives every question a higher best cosine
than a handful of short policies. So each collection gets its own baseline: 60
questions about nothing a document collection is likely to hold
(``classify/data/offtopic.txt``) are searched in it, and a question counts as
covered when its best dense score beats the 95th percentile of theirs by a
margin:

    threshold = clamp(p95(off-topic best scores) + margin, floor, ceiling)

Measured on the real development set (182 answerable, 18 unanswerable) and the
sample set (110 / 10): off-topic p95 0.26 and 0.30; answerable questions' 5th
percentile 0.48 and 0.47. With the margin of 0.08, no answerable question of
either set is refused while 89-94 % of the unanswerable ones are. The baseline is
recomputed when the collection has grown or shrunk by a tenth, and at most once
a minute per collection.

    coverage = CoverageCalibrator(index, vectors)
    coverage.threshold(Scope(tenant="acme", collection="handbook"))   # e.g. 0.34
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ragworks.embed.cache import VectorCache
from ragworks.index.protocol import ChunkIndex
from ragworks.models import Scope


def offtopic_questions() -> list[str]:
    path = resources.files("ragworks.classify") / "data" / "offtopic.txt"
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@dataclass
class _Baseline:
    threshold: float
    chunks: int
    checked: float
    p95: float


class CoverageCalibrator:
    def __init__(self, index: ChunkIndex, vectors: VectorCache, margin: float = 0.08,
                 floor: float = 0.25, ceiling: float = 0.5, quantile: float = 95.0,
                 recheck_s: float = 60.0) -> None:
        self.index, self.vectors = index, vectors
        self.margin, self.floor, self.ceiling = margin, floor, ceiling
        self.quantile, self.recheck_s = quantile, recheck_s
        self._probes = offtopic_questions()
        self._cache: dict[tuple[str, str | None], _Baseline] = {}
        self._lock = threading.Lock()

    def threshold(self, scope: Scope, floor: float | None = None) -> float:
        """The best dense score a covered question must reach in this scope."""
        low = self.floor if floor is None else floor
        return min(max(self._baseline(scope).threshold, low), max(self.ceiling, low))

    def details(self, scope: Scope) -> dict[str, float]:
        b = self._baseline(scope)
        return {"offtopic_p95": round(b.p95, 4), "threshold": round(b.threshold, 4),
                "chunks": b.chunks}

    def _baseline(self, scope: Scope) -> _Baseline:
        key = (scope.tenant, scope.collection)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached.checked < self.recheck_s:
            return cached
        chunks = self.index.count(scope.tenant)
        if cached is not None and abs(chunks - cached.chunks) <= max(10, cached.chunks // 10):
            cached.checked = now
            return cached
        fresh = self._measure(scope, chunks)
        with self._lock:
            self._cache[key] = fresh
        return fresh

    def _measure(self, scope: Scope, chunks: int) -> _Baseline:
        vectors = self.vectors.vectors(self._probes)
        best = []
        for question, vector in zip(self._probes, vectors, strict=True):
            hits = self.index.search(question, vector, scope, n=1)
            best.append(max((h.dense for h in hits), default=0.0))
        p95 = float(np.percentile(best, self.quantile)) if best else 0.0
        return _Baseline(p95 + self.margin, chunks, time.monotonic(), p95)


# A name with letters and digits in it: an error code (E104), a model (R2, X200), a
# version (v3, py311), a standard (utf-8, sha256, ipv6). Ordinals and quantities
# (1st, 24h, 10gb, 5pm) start with a digit and are not names.
_IDENTIFIER = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z-_.]*\d[\w.-]*(?![\w-])")
_JOINERS = re.compile(r"[-_.]")


def _norm(text: str) -> str:
    return _JOINERS.sub("", text.lower())


def identifiers(question: str) -> list[str]:
    """The names in a question that have to appear in a passage for it to be about
    them, normalised (lower case, no hyphens, dots or underscores)."""
    return [_norm(m.group().rstrip(".-")) for m in _IDENTIFIER.finditer(question)]


def _shape(name: str) -> str:
    """A pattern for the names of the same kind: e104 -> e\\d\\d\\d (E101, E999)."""
    return "".join(r"\d" if ch.isdigit() else re.escape(ch) for ch in name)


def _word(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])")


def unmatched_identifiers(question: str, passages: Iterable[str]) -> list[str]:
    """The question's names when none of them appears in any passage but a sibling does
    (same letters, other digits); else []. The passages are read only when the question
    names something (a generator keeps the common case free).

    "What does error E104 mean?" over passages on E101 and E102 is about something the
    documents do not hold, however close the vectors are: an answer from them would be
    about another code. A name with no sibling in the passages (a ticket number pasted
    into the question, ACME-42) decides nothing, and one name found is enough ("R1 and
    R3": answer about R1)."""
    names = identifiers(question)
    if not names:
        return []
    text = " ".join(_norm(p) for p in passages)
    if any(_word(re.escape(n)).search(text) for n in names):
        return []
    if any(_word(_shape(n)).search(text) for n in names):
        return names
    return []
