"""Traces written behind the request (SQLite): every later call sees them, a clean close
writes them all, one bad trace costs no other, and a failure is counted and reported."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ragworks.observe.store import TraceFilter
from ragworks.observe.store_sqlite import SQLiteTraceStore
from ragworks.testing.trace_store import make_trace


class _Unprintable:
    def __str__(self) -> str:
        raise ValueError("cannot be written")


def test_a_trace_saved_without_waiting_is_seen_by_the_next_call(tmp_path: Path) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    now = time.time()
    traces = [make_trace(n, now - n) for n in range(300)]  # more than WRITE_BEHIND
    for t in traces:
        store.save_trace(t, wait=False)
    assert store.get_trace("acme", traces[-1].id) is not None
    assert store.list_traces("acme", TraceFilter(), limit=1)[1] == 300
    store.close()
    again = SQLiteTraceStore(tmp_path / "t.db")
    assert again.list_traces("acme", TraceFilter(), limit=1)[1] == 300 and store.lost == 0


def test_saves_from_many_threads_are_all_stored_once(tmp_path: Path) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    now = time.time()

    def save(base: int) -> None:
        for n in range(base, base + 50):
            store.save_trace(make_trace(n, now), wait=False)

    threads = [threading.Thread(target=save, args=(b,)) for b in range(0, 400, 50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert store.list_traces("acme", TraceFilter(), limit=1)[1] == 400


def test_one_bad_trace_is_lost_alone_counted_and_reported(tmp_path: Path) -> None:
    store = SQLiteTraceStore(tmp_path / "t.db")
    heard: list[str] = []
    store.on_write_failure = heard.append
    now = time.time()
    good = [make_trace(n, now) for n in range(5)]
    bad = make_trace(99, now)
    bad.observations[0].input = _Unprintable()
    for t in [*good[:2], bad, *good[2:]]:
        store.save_trace(t, wait=False)
    store.flush()
    assert store.lost == 1 and len(heard) == 1 and "cannot be written" in heard[0]
    assert store.get_trace("acme", bad.id) is None
    assert all(store.get_trace("acme", t.id) is not None for t in good)
