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


# -- the graph (large indexes) ----------------------------------------------------------------

@pytest.fixture
def small_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """A graph from 2,000 rows (a real one needs 400,000), built in small steps."""
    monkeypatch.setattr(dense, "GRAPH_FROM", 2000)
    monkeypatch.setattr(dense, "GRAPH_BUILD_STEP", 500)
    monkeypatch.setattr(dense, "GRAPH_TAIL", 1000)


def _no_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("scanned the codes where the graph should answer")

    monkeypatch.setattr(dense._Segment, "scan", refuse)


def test_a_large_index_searches_its_graph_as_well_as_a_scan_would(
        small_graph: None, monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = _clustered(6000, 64)
    queries = _clustered(40, 64, seed=1)
    codes = DenseCodes(64)
    for i in range(0, 6000, 1000):
        codes.add(vectors[i:i + 1000])
    assert codes.graph_ready(timeout=120)
    _no_scans(monkeypatch)
    whole, half = np.ones(6000, dtype=bool), np.arange(6000) % 2 == 0
    for scope, key in ((whole, "all"), (half, "even")):
        found = 0
        for q in queries:
            got = _nearest(codes, vectors, q, scope, 10)
            assert scope[got].all() and len(got) == 10
            found += len(set(got.tolist()) & _exact(vectors, q, scope, 10))
        assert found / (10 * len(queries)) >= 0.98, key
    codes.close()


def test_a_small_scope_of_a_large_index_is_scanned_not_walked(small_graph: None) -> None:
    """A filtered graph walk misses rows when few are inside: such scopes are scanned."""
    vectors = _clustered(6000, 32)
    codes = DenseCodes(32)
    codes.add(vectors)
    assert codes.graph_ready(timeout=120)
    scope = np.zeros(6000, dtype=bool)
    scope[[5, 900, 4000]] = True
    assert sorted(codes.search(vectors[900], scope, 5).tolist()) == [5, 900, 4000]
    codes.close()


def test_rows_newer_than_the_graph_are_found_and_deleted_rows_never_are(
        small_graph: None, monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = _clustered(5000, 32)
    codes = DenseCodes(32)
    codes.add(vectors[:4000])
    assert codes.graph_ready(timeout=120)
    monkeypatch.setattr(dense, "GRAPH_STEP", 0)  # the builder adds nothing more: a tail
    codes.add(vectors[4000:])
    _no_scans(monkeypatch)
    every = np.ones(5000, dtype=bool)
    for row in (4100, 4999, 17):
        assert codes.search(vectors[row], every, 1).tolist()[0] == row
    # delete 17's nearest rows (17 itself among them): the graph still holds them
    gone = set(_exact(vectors, vectors[17], every, 30))
    keep = np.array([i not in gone for i in range(5000)])
    codes.keep(keep)
    left = np.flatnonzero(keep)
    got = codes.search(vectors[17], np.ones(len(left), dtype=bool), 10)
    assert len(got) == 20 and (got < len(left)).all()
    assert not {int(left[g]) for g in got} & gone
    assert codes._graph is not None  # 30 dead rows of 4,000: the graph stays
    codes.close()


def test_a_graph_mostly_deleted_is_rebuilt_and_answers_again(small_graph: None) -> None:
    vectors = _clustered(6000, 32)
    codes = DenseCodes(32)
    codes.add(vectors)
    assert codes.graph_ready(timeout=120)
    keep = np.arange(6000) % 3 == 0  # two thirds deleted
    keep[:3000] = True
    codes.keep(keep)
    left = vectors[keep]
    assert codes.graph_ready(timeout=120)  # a new graph over the 4,000 left
    every = np.ones(len(left), dtype=bool)
    for i in (0, 3500, len(left) - 1):
        assert codes.search(left[i], every, 1).tolist()[0] == i
    codes.close()


def test_a_graph_grows_while_it_is_searched(small_graph: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from ragworks.index.local import _Readers

    readers, codes, lock = _Readers(), DenseCodes(32), threading.Lock()
    vectors = _clustered(6000, 32)
    codes.add(vectors[:2500])
    errors: list[BaseException] = []

    def search() -> None:
        try:
            for i in range(300):
                with lock:
                    readers.enter()
                    n = len(codes)
                try:
                    got = codes.search(vectors[i], np.ones(n, dtype=bool), 3,
                                       scope_key=("t", n))
                    assert len(got) == 6 and (got < n).all() and len(set(got.tolist())) == 6
                finally:
                    readers.leave()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=search) for _ in range(2)]
    for t in threads:
        t.start()
    for i in range(2500, 6000, 100):
        with lock, readers.changing():
            codes.add(vectors[i:i + 100])
    for t in threads:
        t.join(120)
    assert not errors
    assert codes.graph_ready(timeout=120)
    assert codes.search(vectors[5999], np.ones(6000, dtype=bool), 1).tolist()[0] == 5999
    codes.close()
