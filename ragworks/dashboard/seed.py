"""Synthetic traffic history, for the dashboard's tests, screenshots and benchmark.

``seed_traces`` stores complete traces through the normal path (save_trace, so the
rollups and query-vector sums are exactly what live traffic would write).
``seed_bulk`` writes a large number of trace rows plus their rollups in bulk (the
benchmark's million traces; the per-trace observations are left out, since the
dashboard never reads them).

The last ``shift_hours`` differ from before (more out-of-scope questions, lower
retrieval scores, shifted query embeddings), so the drift panel has something to show.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import numpy as np

from ragworks.observe.model import Observation, Score, Trace
from ragworks.observe.rollups import WIDTHS, Cell, trace_points
from ragworks.observe.store import TraceStore
from ragworks.observe.store_sqlite import SQLiteTraceStore

MIX = {"factoid": 0.6, "multi_hop": 0.12, "summary": 0.1, "chitchat": 0.08,
       "out_of_scope": 0.1}
SHIFTED = {"factoid": 0.35, "multi_hop": 0.1, "summary": 0.1, "chitchat": 0.05,
           "out_of_scope": 0.4}


def synthetic_trace(rng: np.random.Generator, tenant: str, at: float, shifted: bool,
                    n: int, dim: int = 384, variant: str = "") -> Trace:
    mix = SHIFTED if shifted else MIX
    category = str(rng.choice(list(mix), p=list(mix.values())))
    tid = f"seed{n:012x}{rng.integers(1 << 30):08x}"
    t = Trace(id=tid, name="query", tenant=tenant, start=at, user_id=f"u{n % 97}",
              category=category, variant=variant,
              input={"question": f"synthetic {category} question {n}"})
    clock = at
    for stage, mean_ms in (("classify", 3), ("plan", 0.2), ("retrieve", 12), ("generate", 40)):
        ms = float(rng.gamma(2.0, mean_ms / 2))
        obs = Observation(id=f"{tid}{stage}", trace_id=tid, parent_id=None, name=stage,
                          start=clock, end=clock + ms / 1000)
        if stage == "generate":
            obs.type, obs.model = "generation", "extractive"
            obs.input_tokens, obs.output_tokens = int(rng.integers(150, 400)), \
                int(rng.integers(10, 60))
        t.observations.append(obs)
        clock += ms / 1000
    t.end = clock
    if rng.random() < 0.01:
        t.status, t.status_message = "error", "synthetic failure"
    covered = category != "out_of_scope"
    t.metadata["covered"] = covered
    top = float(np.clip(rng.normal(0.45 if shifted else 0.62, 0.12), 0, 1))

    def score(name: str, value: float, source: str = "auto") -> None:
        t.scores.append(Score(id=f"{tid}{name}", trace_id=tid, name=name, value=value,
                              source=source, created_at=at))

    score("top_retrieval_score", top)
    if covered:
        score("groundedness", float(np.clip(rng.normal(0.9, 0.08), 0, 1)))
    if rng.random() < 0.15:
        score("thumbs_up", float(rng.random() < (0.6 if shifted else 0.8)), "user")
    if rng.random() < 0.05:
        score("classification_correct", float(rng.random() < 0.92), "user")
    base = np.zeros(dim)
    base[0] = 1.0
    direction = np.zeros(dim)
    direction[1] = 1.0
    vec = base + (0.6 * direction if shifted else 0) + rng.normal(0, 0.05, dim)
    t.query_vector = vec / np.linalg.norm(vec)
    return t


def seed_traces(store: TraceStore, tenant: str, count: int, days: float, now: float,
                shift_hours: float = 24, seed: int = 7) -> int:
    rng = np.random.default_rng(seed)
    times = np.sort(now - rng.random(count) * days * 86400)
    for n, at in enumerate(times):
        store.save_trace(synthetic_trace(rng, tenant, float(at),
                                         at > now - shift_hours * 3600, n))
    return count


def seed_bulk(store: SQLiteTraceStore, tenant: str, count: int, days: float, now: float,
              shift_hours: float = 24, seed: int = 7, batch: int = 20_000,
              progress: Any = None) -> int:
    """``count`` trace rows and their rollups, written in large transactions."""
    rng = np.random.default_rng(seed)
    conn = store.db.conn()
    tables: dict[str, dict[tuple[str, int], Cell]] = {
        "rollups": defaultdict(Cell), "rollups_hour": defaultdict(Cell)}
    done = 0
    while done < count:
        size = min(batch, count - done)
        times = now - rng.random(size) * days * 86400
        rows = []
        for i, at in enumerate(times):
            t = synthetic_trace(rng, tenant, float(at), at > now - shift_hours * 3600,
                                done + i, dim=16)
            s = t.summary()
            rows.append((t.id, tenant, t.name, t.start, t.latency_ms, t.status, t.category,
                         t.variant, t.user_id, "", int(any(x.source == "user" for x in t.scores)),
                         json.dumps(s, default=str, separators=(",", ":"))))
            for series, value in trace_points(t):
                for table, (_, width) in zip(tables, WIDTHS, strict=True):
                    tables[table][(series, int(at // width) * width)].point(series, value)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO traces (id, tenant, name, start, latency_ms, "
                         "status, category, variant, user_id, session_id, has_feedback, "
                         "summary) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")
        done += size
        if progress:
            progress(done)
    conn.execute("BEGIN IMMEDIATE")
    for table, cells in tables.items():
        conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?,?,?,?,?)",
                         [(tenant, series, t, c.count, c.sum, c.min, c.max,
                           json.dumps(c.buckets)) for (series, t), c in cells.items()])
    conn.execute("COMMIT")
    return done
