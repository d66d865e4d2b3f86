"""BM25 (Lucene variant, as bm25s' default) over a sparse term matrix.

Supports adding and removing documents; weights are recomputed lazily on the
next search after a change (vectorised: about a second at 100k chunks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with what which who whom when where why how do "
    "does did i me my we our you your he she his her its them than so can could should would "
    "has have had been being am about from up out over under again further once here all any "
    "both each few more most other some own same too very s t just don now".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


def tokenize(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class BM25:
    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self._terms: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._weights: sparse.csr_matrix | None = None

    def __len__(self) -> int:
        return len(self._terms)

    def add(self, texts: Sequence[str]) -> None:
        for text in texts:
            counts: dict[int, int] = {}
            for tok in tokenize(text):
                tid = self.vocab.setdefault(tok, len(self.vocab))
                counts[tid] = counts.get(tid, 0) + 1
            self._terms.append(np.fromiter(counts.keys(), dtype=np.int32, count=len(counts)))
            self._tfs.append(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        self._weights = None

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the documents where mask is True (positions shift down)."""
        self._terms = [t for t, k in zip(self._terms, mask, strict=True) if k]
        self._tfs = [t for t, k in zip(self._tfs, mask, strict=True) if k]
        self._weights = None

    def _build(self) -> sparse.csr_matrix:
        n_docs, n_terms = len(self._terms), max(len(self.vocab), 1)
        if n_docs == 0:
            return sparse.csr_matrix((n_terms, 0), dtype=np.float32)
        lengths = np.array([t.sum() for t in self._tfs], dtype=np.float32)
        rows = np.concatenate(self._terms)
        tfs = np.concatenate(self._tfs)
        cols = np.repeat(np.arange(n_docs, dtype=np.int32), [len(t) for t in self._terms])
        df = np.bincount(rows, minlength=n_terms).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        avg = max(float(lengths.mean()), 1e-9)
        norm = self.k1 * (1 - self.b + self.b * lengths[cols] / avg)
        data = idf[rows] * tfs / (tfs + norm)
        return sparse.csr_matrix((data, (rows, cols)), shape=(n_terms, n_docs), dtype=np.float32)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query (0 where no term matches)."""
        if self._weights is None:
            self._weights = self._build()
        ids = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not ids or self._weights.shape[1] == 0:
            return np.zeros(len(self._terms), dtype=np.float32)
        return np.asarray(self._weights[ids].sum(axis=0)).ravel().astype(np.float32)
