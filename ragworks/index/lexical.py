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
    """BM25 over postings: a (documents x terms) count matrix stored by term columns.

    A query reads only the postings of its own terms and weighs them then, so no
    weight matrix is kept (at 100k chunks: ~70 MB of postings instead of ~190 MB).
    Batches added since the last search wait in a short list and are merged in one
    O(n) step when the next search needs them, so adding stays cheap.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self._postings = sparse.csc_matrix((0, 0), dtype=np.uint16)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._norm: np.ndarray | None = None

    def __len__(self) -> int:
        return self._postings.shape[0] + sum(len(sizes) for sizes, _, _ in self._pending)

    def add(self, texts: Sequence[str]) -> None:
        sizes: list[int] = []
        term_ids: list[int] = []
        counts: list[int] = []
        for text in texts:
            tf: dict[int, int] = {}
            for tok in tokenize(text):
                tid = self.vocab.setdefault(tok, len(self.vocab))
                tf[tid] = tf.get(tid, 0) + 1
            sizes.append(len(tf))
            term_ids += tf.keys()
            counts += tf.values()
        self._pending.append((np.array(sizes, dtype=np.int64),
                              np.array(term_ids, dtype=np.int32),
                              np.minimum(np.array(counts, dtype=np.int64), 65535)))
        self._norm = None

    def compact(self) -> None:
        """Merge waiting batches now (bulk loads call this to bound their peak memory)."""
        self._merge()

    def _merge(self) -> None:
        n_terms = max(len(self.vocab), 1)
        if self._pending:
            sizes = np.concatenate([s for s, _, _ in self._pending])
            indptr = np.concatenate([[0], np.cumsum(sizes)])
            counts = np.concatenate([c for _, _, c in self._pending]).astype(np.uint16)
            batch = sparse.csr_matrix(
                (counts, np.concatenate([t for _, t, _ in self._pending]), indptr),
                shape=(len(sizes), n_terms)).tocsc()
            old = self._postings
            old.resize((old.shape[0], n_terms))
            self._postings = sparse.vstack([old, batch], format="csc", dtype=np.uint16)
            rows = np.repeat(np.arange(len(sizes)), sizes)
            lengths = np.bincount(rows, weights=counts, minlength=len(sizes))
            self._lengths = np.concatenate([self._lengths, lengths.astype(np.float32)])
            self._pending = []
        if self._norm is None:
            avg = max(float(self._lengths.mean()), 1e-9) if len(self._lengths) else 1.0
            self._norm = (self.k1 * (1 - self.b + self.b * self._lengths / avg)).astype(np.float32)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the documents where mask is True (positions shift down)."""
        self._merge()
        self._postings = self._postings[np.flatnonzero(mask)]
        self._lengths = self._lengths[mask]
        self._norm = None

    def scores(self, query: str, scope: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every document for the query (0 where no term matches).

        With ``scope`` (a boolean mask), documents outside it score 0 and the statistics
        (document frequency, document count, average length) are those of the scope's
        documents alone: one tenant's uploads never move another tenant's scores.
        """
        self._merge()
        assert self._norm is not None
        n_docs = self._postings.shape[0]
        scores = np.zeros(n_docs, dtype=np.float32)
        norm = self._norm
        if scope is not None:
            n_docs = int(scope.sum())
            if n_docs == 0:
                return scores
            avg = max(float(self._lengths[scope].mean()), 1e-9)
            norm = (self.k1 * (1 - self.b + self.b * self._lengths / avg)).astype(np.float32)
        ids = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        indptr, docs, counts = self._postings.indptr, self._postings.indices, self._postings.data
        for tid in ids:
            if tid >= len(indptr) - 1:
                continue
            lo, hi = indptr[tid], indptr[tid + 1]
            d = docs[lo:hi]
            tf = counts[lo:hi].astype(np.float32)
            if scope is not None:
                inside = scope[d]
                d, tf = d[inside], tf[inside]
            if len(d) == 0:
                continue
            idf = np.log1p((n_docs - len(d) + 0.5) / (len(d) + 0.5))
            scores[d] += idf * tf / (tf + norm[d])
        return scores
