"""The dense arm of the embedded index: vectors held as 8-bit codes, scanned with SIMD.

Float32 vectors stay in the SQLite file; memory holds one 8-bit code per dimension (a
quarter of float32: 38 MB at 100k chunks of 384 dimensions, 384 MB at a million) and the
sign of each dimension (48 bytes a vector), in the index's row order, in segments of
``SEGMENT_ROWS`` rows. A query scans inside its scope (a bitmap the scan skips by, never a
copy of the rows): every 8-bit code, or in scopes over ``BINARY_FROM`` rows the sign bits
first (``BINARY_CANDIDATES`` nearest by Hamming distance, re-ranked by their 8-bit codes).
It returns twice the candidates asked for; the caller re-scores them with the float32
vectors read back with the chunks and keeps the best, so the scores a hit carries are
exact cosines.

Measured with ``bench/run_all.py --only retrieval`` (2 cores; recall@10 against exact
float32 search, on clustered synthetic vectors whose nearest neighbour is at cosine ~0.4):
100k rows, 8-bit scan: recall 1.000, hybrid p95 4.5 ms (float32 numpy alone: 7-12 ms).
1M rows: the 8-bit scan reads 384 MB a query and is bound by memory bandwidth (~16 ms,
no faster on two threads); 1-bit first: recall 0.993-0.995, dense p50 12-15 ms. The
alternatives were measured on the same vectors and left out: IVF (faiss, 1,000 lists)
reached 0.92 recall with 512 lists probed, at 13 ms; 4-bit codes were slower than 8-bit
(decoding); scanning segments on two threads did not help (the scan is memory-bound).
An HNSW graph (faiss, 8-bit storage, M=24, built on a background thread from the codes,
deleted rows filtered by a bitmap) was built and measured: at 150k rows recall 0.967 in
1.9 ms (scan: 1.000 in 3.4 ms); at 1M it took 569 s to build on one core and reached
recall 0.445 at p50 80.8 ms on the clustered synthetic set, so it was taken out again.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np

SEGMENT_ROWS = 1_000_000  # rows per segment (segments past the first: scanned side by side)
SEARCH_THREADS = 2  # threads that scan segments
OVERSAMPLE = 2  # candidates returned per result asked for, for the exact re-scoring
BINARY_FROM = 400_000  # scopes this large scan 1-bit codes first, then 8-bit candidates
BINARY_CANDIDATES = 5_000  # nearest by Hamming distance, re-ranked by their 8-bit codes


def _one_thread() -> None:
    """One query scans on one thread (queries run side by side). OpenMP's thread count is
    per calling thread: a request's thread left at the default (one per core) forms a team
    whose barrier waits for a core another process holds (measured: a third of an HTTP
    request's time on a busy 2-core machine). Called wherever faiss is."""
    faiss.omp_set_num_threads(1)


_one_thread()
_pool = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="dense-scan")


class _Segment:
    """Up to SEGMENT_ROWS consecutive rows: their 8-bit codes and their sign bits."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.int8 = faiss.IndexScalarQuantizer(
            dim, faiss.ScalarQuantizer.QT_8bit_direct_signed, faiss.METRIC_INNER_PRODUCT)
        self.bits = faiss.IndexBinaryFlat(_bit_dim(dim))
        # thousands of candidates: counting distances beats a heap (1M rows, 5,000
        # candidates: 12 ms against 16-20 ms, measured)
        self.bits.use_heap = False  # type: ignore[attr-defined]  # not in the stubs

    @property
    def rows(self) -> int:
        return int(self.int8.ntotal)

    def add(self, scaled: np.ndarray) -> None:
        self.int8.add(scaled)
        self.bits.add(_sign_bits(scaled))

    def remove(self, rows: np.ndarray) -> None:
        self.int8.remove_ids(faiss.IDSelectorBatch(rows))
        self.bits.remove_ids(faiss.IDSelectorBatch(rows))

    def scan(self, scope: np.ndarray, inside: int, query: np.ndarray, want: int,
             binary: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``want`` best rows inside scope (``inside`` of them) by 8-bit score: every
        code scanned, or, with ``binary`` > 0, the ``binary`` nearest by sign bits
        re-ranked by code."""
        _one_thread()
        params = faiss.SearchParameters()
        bitmap = np.packbits(scope, bitorder="little")
        params.sel = faiss.IDSelectorBitmap(len(scope), faiss.swig_ptr(bitmap))
        if not binary:
            scores, rows = self.int8.search(query, min(want, inside), params=params)
            keep = rows[0] >= 0
            return scores[0][keep], rows[0][keep]
        _, near = self.bits.search(_sign_bits(query), binary, params=params)
        near = near[0][near[0] >= 0]
        codes = np.asarray(faiss.rev_swig_ptr(self.int8.codes.data(), self.rows * self.dim))
        # QT_8bit_direct_signed keeps x + 128 in a byte
        scores = (codes.reshape(self.rows, self.dim)[near].astype(np.float32) - 128) @ query[0]
        best = np.argsort(-scores, kind="stable")[:want]
        return scores[best], near[best]


class DenseCodes:
    """8-bit copies of the vectors (and their sign bits), one row per index row, searched
    within a scope."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        # Unit vectors of d dimensions have components of about 1/sqrt(d): 127 code steps
        # span five of those each way, and the rare larger component is clipped (the
        # exact re-scoring makes up for it).
        self.scale = 127 * math.sqrt(dim) / 5
        self._segments: list[_Segment] = []

    def __len__(self) -> int:
        return sum(s.rows for s in self._segments)

    def nbytes(self) -> int:
        return len(self) * (self.dim + _bit_dim(self.dim) // 8)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        _one_thread()
        start = 0
        while start < len(vectors):
            if not self._segments or self._segments[-1].rows >= SEGMENT_ROWS:
                self._segments.append(_Segment(self.dim))
            last = self._segments[-1]
            end = start + min(SEGMENT_ROWS - last.rows, 20_000)  # bounded temporaries
            last.add(self._scaled(vectors[start:end]))
            start = end

    def keep(self, mask: np.ndarray) -> None:
        """Keep the rows where mask is True; later rows move down, as the index's do."""
        _one_thread()
        offset = 0
        for segment in self._segments:
            size = segment.rows
            gone = np.flatnonzero(~mask[offset:offset + size]).astype(np.int64)
            if len(gone):
                segment.remove(gone)
            offset += size
        self._segments = [s for s in self._segments if s.rows] or self._segments[:1]

    def search(self, vector: np.ndarray, scope: np.ndarray, n: int) -> np.ndarray:
        """Positions of the ``OVERSAMPLE * n`` rows inside scope (a boolean mask, one entry
        per row) whose codes score highest, best first; the caller re-scores them."""
        want = OVERSAMPLE * n
        query = self._scaled(np.asarray(vector, dtype=np.float32).reshape(1, self.dim))
        jobs: list[tuple[_Segment, np.ndarray, int, int, int]] = []
        offset, total = 0, int(scope.sum())
        for segment in self._segments:
            part = scope[offset:offset + segment.rows]
            inside = int(part.sum())
            if inside:
                # a large scope: each segment's share of the Hamming candidates
                binary = 0 if total < BINARY_FROM else \
                    max(want, -(-BINARY_CANDIDATES * inside // total))
                jobs.append((segment, part, inside, offset, binary))
            offset += segment.rows
        if not jobs or want <= 0:
            return np.zeros(0, dtype=np.int64)

        def scan(job: tuple[_Segment, np.ndarray, int, int, int]
                 ) -> tuple[np.ndarray, np.ndarray]:
            segment, part, inside, start, binary = job
            scores, rows = segment.scan(part, inside, query, want, binary)
            return scores, rows + start

        found = [scan(jobs[0])] if len(jobs) == 1 else list(_pool.map(scan, jobs))
        scores = np.concatenate([s for s, _ in found])
        rows = np.concatenate([r for _, r in found])
        return rows[np.argsort(-scores, kind="stable")[:want]]

    def _scaled(self, vectors: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(vectors * self.scale), -127, 127).astype(np.float32)


def _bit_dim(dim: int) -> int:
    return (dim + 7) // 8 * 8


def _sign_bits(vectors: np.ndarray) -> np.ndarray:
    dim = vectors.shape[1]
    bits = vectors > 0
    if dim % 8:
        bits = np.pad(bits, ((0, 0), (0, _bit_dim(dim) - dim)))
    return np.packbits(bits, axis=1)
