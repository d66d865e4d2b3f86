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

Past ``GRAPH_FROM`` rows the codes also keep an HNSW graph (faiss, 8-bit storage), built
on a background thread from the codes themselves and extended as rows are added; a
scope holding at least ``GRAPH_SHARE`` of the rows searches the graph (deleted and
out-of-scope rows filtered by a bitmap over its labels, cached per scope) plus the
few rows added since its last step, instead of scanning a million codes. Until the graph
has caught up (minutes after a load of a million rows, on one core), and for smaller
scopes, the scans above answer. Deleted rows stay in the graph as dead labels until a
quarter of it is dead; then a new graph is built beside it and swapped in. The graph is
not saved: a restart builds it again while the scans serve.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Hashable
from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np

SEGMENT_ROWS = 1_000_000  # rows per segment (segments past the first: scanned side by side)
SEARCH_THREADS = 2  # threads that scan segments
OVERSAMPLE = 2  # candidates returned per result asked for, for the exact re-scoring
BINARY_FROM = 400_000  # scopes this large scan 1-bit codes first, then 8-bit candidates
BINARY_CANDIDATES = 5_000  # nearest by Hamming distance, re-ranked by their 8-bit codes
GRAPH_FROM = 400_000  # codes of this many rows also keep an HNSW graph (and large scopes use it)
GRAPH_SHARE = 0.25  # a scope with less of the rows is scanned (a filtered graph walk gets lost)
GRAPH_M = 24  # neighbours per graph node
GRAPH_EF_BUILD = 40
GRAPH_EF_SEARCH = 160  # candidates a graph search keeps while walking
GRAPH_STEP = 64  # rows added to a searched graph at a time (a search waits at most one step)
GRAPH_BUILD_STEP = 2_000  # rows added at a time to a graph that is not searched yet
GRAPH_TAIL = 50_000  # rows newer than the graph that a graph search scans beside it
GRAPH_DEAD = 0.25  # share of a graph's rows deleted before it is rebuilt



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


class _Graph:
    """An HNSW graph over some rows' codes; label i is the row with serial ``serials[i]``."""

    def __init__(self, dim: int) -> None:
        self.index = faiss.IndexHNSWSQ(
            dim, faiss.ScalarQuantizer.QT_8bit_direct_signed,  # type: ignore[arg-type]
            GRAPH_M, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = GRAPH_EF_BUILD
        self.serials = np.zeros(0, dtype=np.int64)  # ascending, as rows are added
        #: scope key -> bitmap of the labels alive inside that scope
        self.scopes: dict[Hashable, tuple[int, np.ndarray]] = {}

    @property
    def last(self) -> int:
        return int(self.serials[-1]) if len(self.serials) else -1

    def add(self, scaled: np.ndarray, serials: np.ndarray) -> None:
        self.index.add(scaled)
        self.serials = np.concatenate([self.serials, serials])


class DenseCodes:
    """8-bit copies of the vectors (and their sign bits), one row per index row, searched
    within a scope; past ``GRAPH_FROM`` rows, also an HNSW graph over them."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        # Unit vectors of d dimensions have components of about 1/sqrt(d): 127 code steps
        # span five of those each way, and the rare larger component is clipped (the
        # exact re-scoring makes up for it).
        self.scale = 127 * math.sqrt(dim) / 5
        self._segments: list[_Segment] = []
        # each row's serial: ascending in row order, never reused; the graph's labels
        # name rows by serial, so deletes (which move later rows down) leave it valid
        self._serials = np.zeros(0, dtype=np.int64)
        self._next_serial = 0
        self._state = threading.Lock()  # changes to the codes against the graph builder
        self._graph: _Graph | None = None  # searched; changed under _graph_lock
        self._graph_lock = threading.Lock()
        self._wake = threading.Event()
        self._builder: threading.Thread | None = None
        self._closed = False

    def __len__(self) -> int:
        return sum(s.rows for s in self._segments)

    def nbytes(self) -> int:
        return len(self) * (self.dim + _bit_dim(self.dim) // 8)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        _one_thread()
        with self._state:
            start = 0
            while start < len(vectors):
                if not self._segments or self._segments[-1].rows >= SEGMENT_ROWS:
                    self._segments.append(_Segment(self.dim))
                last = self._segments[-1]
                end = start + min(SEGMENT_ROWS - last.rows, 20_000)  # bounded temporaries
                last.add(self._scaled(vectors[start:end]))
                start = end
            self._serials = np.concatenate([self._serials, np.arange(
                self._next_serial, self._next_serial + len(vectors), dtype=np.int64)])
            self._next_serial += len(vectors)
        self._kick()

    def keep(self, mask: np.ndarray) -> None:
        """Keep the rows where mask is True; later rows move down, as the index's do."""
        _one_thread()
        with self._state:
            offset = 0
            for segment in self._segments:
                size = segment.rows
                gone = np.flatnonzero(~mask[offset:offset + size]).astype(np.int64)
                if len(gone):
                    segment.remove(gone)
                offset += size
            self._segments = [s for s in self._segments if s.rows] or self._segments[:1]
            self._serials = self._serials[mask]
            graph = self._graph
            if graph is not None:
                alive = int(np.searchsorted(self._serials, graph.last, side="right"))
                if len(self) < GRAPH_FROM or \
                        len(graph.serials) - alive > GRAPH_DEAD * len(graph.serials):
                    with self._graph_lock:  # rebuilt beside the scans (or not needed)
                        self._graph = None
                else:
                    with self._graph_lock:
                        graph.scopes.clear()
        self._kick()

    def close(self) -> None:
        """Stop building a graph (the codes are being replaced or the index closed)."""
        self._closed = True
        self._wake.set()

    def graph_ready(self, timeout: float = 0.0) -> bool:
        """Whether a graph covers every row (waiting up to ``timeout`` seconds for one)."""
        deadline = time.monotonic() + timeout
        while True:
            graph = self._graph
            if graph is not None and graph.last == self._last_serial():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def search(self, vector: np.ndarray, scope: np.ndarray, n: int,
               scope_key: Hashable | None = None) -> np.ndarray:
        """Positions of the ``OVERSAMPLE * n`` rows inside scope (a boolean mask, one entry
        per row) whose codes score highest, best first; the caller re-scores them.
        ``scope_key`` names the scope for as long as the rows do not change (the graph's
        bitmap of it is kept)."""
        want = OVERSAMPLE * n
        query = self._scaled(np.asarray(vector, dtype=np.float32).reshape(1, self.dim))
        total = int(scope.sum())
        if want <= 0 or not total:
            return np.zeros(0, dtype=np.int64)
        if self._graph is not None and total >= GRAPH_FROM and total >= GRAPH_SHARE * len(self):
            found = self._graph_search(query, scope, want, scope_key)
            if found is not None:
                return found
        jobs: list[tuple[_Segment, np.ndarray, int, int, int]] = []
        offset = 0
        for segment in self._segments:
            part = scope[offset:offset + segment.rows]
            inside = int(part.sum())
            if inside:
                # a large scope: each segment's share of the Hamming candidates
                binary = 0 if total < BINARY_FROM else \
                    max(want, -(-BINARY_CANDIDATES * inside // total))
                jobs.append((segment, part, inside, offset, binary))
            offset += segment.rows

        def scan(job: tuple[_Segment, np.ndarray, int, int, int]
                 ) -> tuple[np.ndarray, np.ndarray]:
            segment, part, inside, start, binary = job
            scores, rows = segment.scan(part, inside, query, want, binary)
            return scores, rows + start

        scanned = [scan(jobs[0])] if len(jobs) == 1 else list(_pool.map(scan, jobs))
        scores = np.concatenate([s for s, _ in scanned])
        rows = np.concatenate([r for _, r in scanned])
        return rows[np.argsort(-scores, kind="stable")[:want]]

    # -- the graph ---------------------------------------------------------------------------

    def _graph_search(self, query: np.ndarray, scope: np.ndarray, want: int,
                      scope_key: Hashable | None) -> np.ndarray | None:
        """The graph's best rows in scope and the best of the rows newer than it; None when
        there is no graph or too many rows are newer (the caller scans)."""
        with self._graph_lock:
            graph = self._graph
            if graph is None:
                return None
            # rows before ``cut`` are in the graph; serials ascend with rows
            cut = int(np.searchsorted(self._serials, graph.last, side="right"))
            if len(self) - cut > GRAPH_TAIL:
                return None
            bitmap = self._graph_scope(graph, scope, cut, scope_key)
            _one_thread()
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(GRAPH_EF_SEARCH, 2 * want)
            params.sel = faiss.IDSelectorBitmap(len(graph.serials), faiss.swig_ptr(bitmap))
            scores, labels = graph.index.search(query, want, params=params)
            serials = graph.serials
        keep = labels[0] >= 0
        scores = scores[0][keep]
        # every label in the bitmap is alive: its serial is found among the rows
        rows = np.searchsorted(self._serials[:cut], serials[labels[0][keep]])
        tail = np.flatnonzero(scope[cut:]) + cut
        if len(tail):
            scores = np.concatenate([scores, self._rows_codes(tail) @ query[0]])
            rows = np.concatenate([rows, tail])
        return rows[np.argsort(-scores, kind="stable")[:want]]

    def _graph_scope(self, graph: _Graph, scope: np.ndarray, cut: int,
                     scope_key: Hashable | None) -> np.ndarray:
        """The bitmap of graph labels alive inside scope (kept per scope key)."""
        size = len(graph.serials)
        held = graph.scopes.get(scope_key) if scope_key is not None else None
        if held is not None and held[0] == size:
            return held[1]
        labels = np.searchsorted(graph.serials, self._serials[:cut][scope[:cut]])
        inside = np.zeros(size, dtype=bool)
        inside[labels] = True
        bitmap = np.packbits(inside, bitorder="little")
        if scope_key is not None:
            if len(graph.scopes) >= 8:
                graph.scopes.pop(next(iter(graph.scopes)))
            graph.scopes[scope_key] = (size, bitmap)
        return bitmap

    def _rows_codes(self, rows: np.ndarray) -> np.ndarray:
        """The 8-bit codes of these rows (ascending positions) as float32 scaled values."""
        out = np.empty((len(rows), self.dim), dtype=np.float32)
        offset = 0
        for segment in self._segments:
            inside = (rows >= offset) & (rows < offset + segment.rows)
            if inside.any():
                codes = np.asarray(faiss.rev_swig_ptr(segment.int8.codes.data(),
                                                      segment.rows * self.dim))
                # QT_8bit_direct_signed keeps x + 128 in a byte
                out[inside] = codes.reshape(segment.rows, self.dim)[
                    rows[inside] - offset].astype(np.float32) - 128
            offset += segment.rows
        return out

    def _last_serial(self) -> int:
        serials = self._serials
        return int(serials[-1]) if len(serials) else -1

    def _kick(self) -> None:
        """Start (or wake) the graph builder when there are enough rows for one."""
        if len(self) < GRAPH_FROM or self._closed:
            return
        if self._builder is None or not self._builder.is_alive():
            self._builder = threading.Thread(target=self._build, daemon=True,
                                             name="dense-graph")
            self._builder.start()
        self._wake.set()

    def _build(self) -> None:
        """The builder thread: extend the searched graph with new rows, or build a new
        one (not searched until it has every row) when there is none."""
        _one_thread()  # the other core serves queries
        building: _Graph | None = None
        while not self._closed:
            self._wake.clear()
            with self._state:
                graph = self._graph
                if graph is None and len(self) < GRAPH_FROM:
                    building = None
                    step = None
                else:
                    target = graph if graph is not None else \
                        (building if building is not None else _Graph(self.dim))
                    if graph is None:
                        building = target
                    start = int(np.searchsorted(self._serials, target.last, side="right"))
                    stop = min(len(self), start + (GRAPH_STEP if graph is not None
                                                   else GRAPH_BUILD_STEP))
                    rows = np.arange(start, stop)
                    step = (target, self._rows_codes(rows), self._serials[start:stop].copy())
            if step is None:
                self._wake.wait()
                continue
            target, scaled, serials = step
            if not len(serials):
                if target is not graph:  # built: searched from now on
                    with self._state, self._graph_lock:
                        alive = int(np.searchsorted(self._serials, target.last, side="right"))
                        if len(target.serials) - alive <= GRAPH_DEAD * len(target.serials):
                            self._graph = target
                    building = None
                    continue
                self._wake.wait()
                continue
            if target is graph:
                with self._graph_lock:
                    if self._graph is target:
                        target.add(scaled, serials)
            else:
                target.add(scaled, serials)

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
