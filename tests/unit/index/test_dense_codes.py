"""The dense arm's codes: the nearest rows inside a scope, close to exact float32 search."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import ragworks.index.dense as dense
from ragworks.index.dense import DenseCodes


def _unit(n: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Groups of near neighbours, as embeddings of passages on shared topics are."""
    centers = np.random.default_rng(0).standard_normal((150, dim)).astype(np.float32)
    rng = np.random.default_rng(seed)
    v = centers[rng.integers(0, len(centers), n)] + 0.9 * rng.standard_normal((n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _exact(vectors: np.ndarray, q: np.ndarray, scope: np.ndarray, n: int) -> set[int]:
    s = vectors @ q
    s[~scope] = -np.inf
    return set(np.argsort(-s)[:n].tolist())


def _nearest(codes: DenseCodes, vectors: np.ndarray, q: np.ndarray, scope: np.ndarray,
             n: int) -> np.ndarray:
    """As the index does: the codes' candidates, re-scored with the float32 vectors."""
    candidates = codes.search(q, scope, n)
    return candidates[np.argsort(-(vectors[candidates] @ q))][:n]


@pytest.mark.parametrize(("segment_rows", "binary_from"),
                         [(250_000, 10**9), (700, 10**9), (250_000, 100), (700, 100)],
                         ids=["8-bit scan", "8-bit scan in segments", "1-bit then 8-bit",
                              "1-bit then 8-bit in segments"])
def test_the_nearest_rows_in_scope_match_exact_search(segment_rows: int, binary_from: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "SEGMENT_ROWS", segment_rows)
    monkeypatch.setattr(dense, "BINARY_FROM", binary_from)
    monkeypatch.setattr(dense, "BINARY_CANDIDATES", 600)
    vectors = _clustered(3000, 64)
    queries = _clustered(40, 64, seed=1)
    codes = DenseCodes(64)
    codes.add(vectors[:1000])
    codes.add(vectors[1000:])
    scope = np.arange(3000) % 3 != 0
    found = 0
    for q in queries:
        got = _nearest(codes, vectors, q, scope, 10)
        assert scope[got].all() and len(got) == 10
        found += len(set(got.tolist()) & _exact(vectors, q, scope, 10))
    assert found / (10 * len(queries)) >= 0.99


def test_a_scope_of_one_row_finds_that_row_and_nothing_else(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    vectors = _unit(500, 12)
    scope = np.zeros(500, dtype=bool)
    scope[417] = True
    for segment_rows, binary_from in ((250_000, 10**9), (100, 10**9), (100, 1)):
        monkeypatch.setattr(dense, "SEGMENT_ROWS", segment_rows)
        monkeypatch.setattr(dense, "BINARY_FROM", binary_from)
        codes = DenseCodes(12)
        codes.add(vectors)
        assert codes.search(vectors[3], scope, 5).tolist() == [417]
        assert codes.search(vectors[3], np.zeros(500, dtype=bool), 5).tolist() == []


def test_a_large_component_is_clipped_not_wrapped() -> None:
    codes = DenseCodes(16)
    spiky = np.zeros((2, 16), dtype=np.float32)
    spiky[0, 0], spiky[1, 0] = 1.0, -1.0  # far beyond the code range
    codes.add(spiky)
    assert codes.search(spiky[0], np.ones(2, dtype=bool), 1).tolist()[0] == 0


@pytest.mark.parametrize("segment_rows", [250_000, 20], ids=["one segment", "segments"])
def test_kept_rows_move_down_as_the_index_rows_do(segment_rows: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "SEGMENT_ROWS", segment_rows)
    vectors = _unit(50, 16)
    codes = DenseCodes(16)
    codes.add(vectors[:30])
    codes.add(vectors[30:])
    keep = np.ones(50, dtype=bool)
    keep[[0, 7, 49]] = False
    codes.keep(keep)
    left = vectors[keep]
    assert len(codes) == 47
    everything = np.ones(47, dtype=bool)
    for i in (0, 10, 46):
        assert codes.search(left[i], everything, 1).tolist()[0] == i


def test_searches_while_rows_are_added_never_see_a_half_written_row() -> None:
    """The index guards changes with its readers' count; the codes themselves are
    searched here by several threads while one thread adds under that discipline."""
    from ragworks.index.local import _Readers

    readers, codes, lock = _Readers(), DenseCodes(32), threading.Lock()
    vectors = _unit(4000, 32)
    codes.add(vectors[:1000])
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for i in range(200):
                with lock:
                    readers.enter()
                    n = len(codes)
                try:
                    got = codes.search(vectors[i], np.ones(n, dtype=bool), 3)
                    assert len(got) == 6 and (got < n).all()
                finally:
                    readers.leave()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(1000, 4000, 100):
        with lock, readers.changing():
            codes.add(vectors[i:i + 100])
    for t in threads:
        t.join(60)
    assert not errors and len(codes) == 4000
