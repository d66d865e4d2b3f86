"""BM25 (Lucene variant, as bm25s' default) over a sparse term matrix.

Supports adding and removing documents; weights are recomputed lazily on the
next search after a change (vectorised: about a second at 100k chunks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from ragworks.text import tokenize


class BM25:
    """BM25 over postings: a (documents x terms) count matrix stored by term columns.

    A query reads only the postings of its own terms and weighs them then, so no
    weight matrix is kept (at 100k chunks: ~70 MB of postings instead of ~190 MB).
    Batches added since the last search wait in a short list (term ids and counts, six
    bytes a posting) and are merged in one O(n) step when the next search needs them, so
    adding stays cheap. The merge writes each posting straight to its place in the new
    matrix: its peak is the old and the new postings, never a general sparse stack.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self._postings = sparse.csc_matrix((0, 0), dtype=np.uint16)
        self._lengths = np.zeros(0, dtype=np.float32)
        # per added batch: distinct terms per document, their term ids, their counts
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._norm: np.ndarray | None = None
        self._scoped: dict[object, tuple[int, np.ndarray]] = {}  # scope key -> count, norm

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
                              np.minimum(np.array(counts, dtype=np.int64), 65535)
                              .astype(np.uint16)))
        self._norm = None

    def compact(self) -> None:
        """Merge waiting batches now (bulk loads call this to bound their peak memory)."""
        self._merge()

    def _merge(self) -> None:
        n_terms = max(len(self.vocab), 1)
        if self._pending:
            self._postings, lengths = _stack(self._postings, self._pending, n_terms)
            self._lengths = np.concatenate([self._lengths, lengths])
            self._pending = []
        if self._norm is None:
            self._scoped = {}
            avg = max(float(self._lengths.mean()), 1e-9) if len(self._lengths) else 1.0
            self._norm = (self.k1 * (1 - self.b + self.b * self._lengths / avg)).astype(np.float32)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the documents where mask is True (positions shift down)."""
        self._merge()
        self._postings = self._postings[np.flatnonzero(mask)]
        self._lengths = self._lengths[mask]
        self._norm = None

    def scores(self, query: str, scope: np.ndarray | None = None,
               scope_key: object = None) -> np.ndarray:
        """BM25 score of every document for the query (0 where no term matches).

        With ``scope`` (a boolean mask), documents outside it score 0 and the statistics
        (document frequency, document count, average length) are those of the scope's
        documents alone: one tenant's uploads never move another tenant's scores. A
        ``scope_key`` names the scope, so its statistics are computed once per change.
        """
        self._merge()
        assert self._norm is not None
        n_docs = self._postings.shape[0]
        scores = np.zeros(n_docs, dtype=np.float32)
        norm = self._norm
        if scope is not None:
            cached = self._scoped.get(scope_key) if scope_key is not None else None
            if cached is None:
                n_docs = int(scope.sum())
                if n_docs == 0:
                    return scores
                avg = max(float(self._lengths[scope].mean()), 1e-9)
                cached = n_docs, (self.k1 * (1 - self.b + self.b * self._lengths / avg)
                                  ).astype(np.float32)
                if scope_key is not None:
                    if len(self._scoped) >= 16:
                        self._scoped.pop(next(iter(self._scoped)))
                    self._scoped[scope_key] = cached
            n_docs, norm = cached
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


def _stack(old: sparse.csc_matrix, batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
           n_terms: int) -> tuple[sparse.csc_matrix, np.ndarray]:
    """The old postings with the batches' documents below them, as one CSC matrix, and the
    batches' document lengths. Batches are consumed (emptied) as they are written."""
    per_term = np.zeros(n_terms, dtype=np.int64)
    per_term[:old.shape[1]] = np.diff(old.indptr)
    for _, terms, _ in batches:
        per_term += np.bincount(terms, minlength=n_terms)
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(per_term, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    data = np.empty(int(indptr[-1]), dtype=np.uint16)
    # The old postings of each term come first: one shift per term, in slices of terms.
    step = 4096
    for lo in range(0, old.shape[1], step):
        hi = min(lo + step, old.shape[1])
        a, b = int(old.indptr[lo]), int(old.indptr[hi])
        term = np.repeat(np.arange(lo, hi), np.diff(old.indptr[lo:hi + 1]))
        dest = np.arange(a, b) + (indptr[term] - old.indptr[term])
        indices[dest], data[dest] = old.indices[a:b], old.data[a:b]
    cursor = indptr[:-1].copy()
    cursor[:old.shape[1]] += np.diff(old.indptr)
    row, lengths = old.shape[0], []
    while batches:
        sizes, terms, counts = batches.pop(0)
        docs = np.repeat(np.arange(row, row + len(sizes), dtype=np.int32), sizes)
        lengths.append(np.bincount(docs - row, weights=counts, minlength=len(sizes))
                       .astype(np.float32))
        order = np.argsort(terms, kind="stable")  # by term, documents in order within
        terms, docs, counts = terms[order], docs[order], counts[order]
        first = np.searchsorted(terms, terms)  # where each term's run starts
        dest = cursor[terms] + (np.arange(len(terms)) - first)
        indices[dest], data[dest] = docs, counts
        cursor += np.bincount(terms, minlength=n_terms)
        row += len(sizes)
    matrix = sparse.csc_matrix((data, indices, indptr), shape=(row, n_terms))
    return matrix, np.concatenate(lengths) if lengths else np.zeros(0, np.float32)
