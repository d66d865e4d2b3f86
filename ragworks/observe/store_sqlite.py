"""Traces, observations, scores and per-minute rollups in the SQLite record store file."""

from __future__ import annotations

import atexit
import json
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import structlog

from ragworks.observe.model import Score, Trace
from ragworks.observe.rollups import WIDTHS, Cell, score_points, trace_points, traffic
from ragworks.observe.store import (
    RollupRow,
    TraceFilter,
    erase_in,
    forget_in,
    search_words,
    shingles,
)
from ragworks.storage.sqlite import SQLiteFile, checkpoint, rollback

__all__ = ["SQLiteTraceStore", "TraceFilter"]

log = structlog.get_logger(__name__)
WRITE_BEHIND = 256  # traces waiting for the writer thread at most; more are written at once


def _json(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


def _like(text: str) -> str:
    """``text`` for a LIKE pattern with ESCAPE '\\': its wildcards match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SQLiteTraceStore:
    """Example::

        store = SQLiteTraceStore("data/ragworks.db")
        store.save_trace(recorder.trace)
        rows, total = store.list_traces("acme", TraceFilter(category="factoid"), limit=50)
    """

    def __init__(self, path: str | Path | SQLiteFile) -> None:
        #: the file, shared with the stores that live beside the traces (runs, datasets,
        #: experiments, alerts)
        self.db = path if isinstance(path, SQLiteFile) else SQLiteFile(path)
        self.path = self.db.path
        # traces saved with wait=False, written in order by one thread, several a transaction
        self._waiting: deque[Trace] = deque()
        self._writing = 0  # taken off _waiting, not yet committed
        self._cond = threading.Condition()
        self._writer: threading.Thread | None = None
        #: traces handed to the writer that it could not store (their ids were handed out)
        self.lost = 0
        #: told the cause when the writer fails (readiness listens)
        self.on_write_failure: Callable[[str], None] | None = None

    def _conn(self) -> sqlite3.Connection:
        """The connection of this thread; every call but the writer's own first waits for
        the traces still being written: whoever got a trace id sees that trace."""
        if threading.current_thread() is not self._writer:
            self._settle()
        return self.db.conn()

    def flush(self) -> None:
        """Wait until every trace saved with wait=False is written (or failed)."""
        self._settle()

    def _settle(self, timeout_s: float = 60.0) -> None:
        if self._writer is None:
            return
        with self._cond:
            self._cond.wait_for(lambda: not self._waiting and not self._writing, timeout_s)

    def _tx(self) -> sqlite3.Connection:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        return conn

    def save_trace(self, trace: Trace, wait: bool = True) -> None:
        """Store a finished trace and add it to the rollups, in one transaction; with
        ``wait=False`` on the writer thread, unless ``WRITE_BEHIND`` traces wait already."""
        if not wait:
            with self._cond:
                if len(self._waiting) + self._writing < WRITE_BEHIND:
                    self._waiting.append(trace)
                    if self._writer is None:
                        self._writer = threading.Thread(target=self._write_behind,
                                                         name="trace-writer", daemon=True)
                        self._writer.start()
                        atexit.register(self._settle, 10.0)  # a clean exit loses none
                    self._cond.notify_all()
                    return
        self._commit([trace])  # _conn: in order after the traces already waiting

    def _write_behind(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._waiting))
                batch = list(self._waiting)
                self._waiting.clear()
                self._writing = len(batch)
            try:
                self._write_batch(batch)
            finally:
                with self._cond:
                    self._writing = 0
                    self._cond.notify_all()

    def _write_batch(self, batch: list[Trace]) -> None:
        """One transaction for the batch; if it fails, each trace alone (one bad trace
        does not cost the others)."""
        try:
            self._commit(batch)
            return
        except Exception as exc:  # noqa: BLE001 - reported below
            if len(batch) == 1:
                self._lost(batch[0], exc)
                return
        for trace in batch:
            try:
                self._commit([trace])
            except Exception as exc:  # noqa: BLE001 - reported
                self._lost(trace, exc)

    def _lost(self, trace: Trace, exc: Exception) -> None:
        self.lost += 1
        cause = f"{type(exc).__name__}: {exc}"
        log.error("trace_store_failed", trace_id=trace.id, error=cause, written_behind=True)
        if self.on_write_failure is not None:
            self.on_write_failure(cause)

    def _commit(self, traces: Sequence[Trace]) -> None:
        conn = self._tx()
        try:
            for trace in traces:
                self._insert_trace(conn, trace)
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise

    def _insert_trace(self, conn: sqlite3.Connection, trace: Trace) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO traces (id, tenant, name, start, latency_ms, status, "
            "category, variant, user_id, session_id, has_feedback, summary) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (trace.id, trace.tenant, trace.name, trace.start, trace.latency_ms,
             trace.status, trace.category, trace.variant, trace.user_id, trace.session_id,
             int(any(s.source == "user" for s in trace.scores)), _json(trace.summary())))
        conn.executemany("INSERT OR REPLACE INTO observations VALUES (?,?,?)",
                         [(o.id, trace.id, _json(o.to_dict())) for o in trace.observations])
        self._insert_scores(conn, trace.tenant, trace.scores)
        self._roll_up(conn, trace.tenant, trace.start, trace_points(trace))
        if trace.query_vector is not None and traffic(trace) == "production":
            self._add_vector(conn, trace.tenant, trace.start, trace.query_vector)

    def add_scores(self, tenant: str, scores: Sequence[Score], roll_up: bool = True) -> None:
        """Scores that arrive later (feedback, evaluations), rolled up at their own time.

        An update of earlier scores (same ids) passes ``roll_up=False`` so that the
        rollups do not count it twice.
        """
        conn = self._tx()
        try:
            self._insert_scores(conn, tenant, scores)
            if any(s.source == "user" for s in scores):
                conn.execute(
                    "UPDATE traces SET has_feedback=1, rating=(SELECT AVG(json_extract("
                    "data, '$.value')) FROM scores WHERE trace_id=traces.id AND "
                    "name='user_rating' AND source='user') WHERE tenant=? AND id=?",
                    (tenant, scores[0].trace_id))
            for s in scores if roll_up else ():
                self._roll_up(conn, tenant, s.created_at, score_points([s]))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise

    @staticmethod
    def _insert_scores(conn: sqlite3.Connection, tenant: str, scores: Sequence[Score]) -> None:
        conn.executemany("INSERT OR REPLACE INTO scores VALUES (?,?,?,?,?,?,?)",
                         [(s.id, s.trace_id, tenant, s.name, s.source, s.created_at,
                           _json(s.to_dict())) for s in scores])

    @staticmethod
    def _add_vector(conn: sqlite3.Connection, tenant: str, at: float, vector: Any) -> None:
        hour = int(at // 3600) * 3600
        v = np.asarray(vector, dtype=np.float64)
        norm = float(np.linalg.norm(v))
        v = v / norm if norm else v  # unit vectors (drift assumes them)
        row = conn.execute("SELECT count, sum FROM query_vectors WHERE tenant=? AND hour=?",
                           (tenant, hour)).fetchone()
        count = 1
        if row is not None:
            old = np.frombuffer(row[1], dtype=np.float64)
            if old.shape == v.shape:
                v, count = v + old, row[0] + 1
        conn.execute("INSERT OR REPLACE INTO query_vectors VALUES (?,?,?,?)",
                     (tenant, hour, count, v.tobytes()))

    def query_vectors(self, tenant: str, since: float,
                      until: float | None = None) -> list[tuple[int, int, np.ndarray]]:
        """(hour, count, sum of query embeddings) rows, oldest first."""
        rows = self._conn().execute(
            "SELECT hour, count, sum FROM query_vectors WHERE tenant=? AND hour>=? AND hour<? "
            "ORDER BY hour", (tenant, int(since // 3600) * 3600, until or 1e12)).fetchall()
        return [(h, n, np.frombuffer(b, dtype=np.float64)) for h, n, b in rows]

    @staticmethod
    def _roll_up(conn: sqlite3.Connection, tenant: str, at: float,
                 points: Sequence[tuple[str, float]]) -> None:
        for (name, width), table in zip(WIDTHS, ("rollups", "rollups_hour"), strict=True):
            t = int(at // width) * width
            cells: dict[str, Cell] = {}
            for series, value in points:
                cells.setdefault(series, Cell()).point(series, value)
            for series, cell in cells.items():
                row = conn.execute(  # table and column are fixed strings
                    f"SELECT count, sum, min, max, buckets FROM {table} "
                    f"WHERE tenant=? AND series=? AND {name}=?", (tenant, series, t)).fetchone()
                if row is not None:
                    cell.merge(row[0], row[1], row[2], row[3], json.loads(row[4]))
                conn.execute(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?,?,?,?,?)",
                             (tenant, series, t, cell.count, cell.sum, cell.min, cell.max,
                              _json(cell.buckets)))

    def upsert_feedback(self, tenant: str, trace_id: str, user_id: str,
                        fields: dict[str, Any]) -> bool:
        """Insert or update one user's feedback on a trace; True when it is new."""
        now = time.time()
        conn = self._tx()
        try:
            exists = conn.execute("SELECT 1 FROM feedback WHERE trace_id=? AND user_id=?",
                                  (trace_id, user_id)).fetchone() is not None
            conn.execute(
                "INSERT INTO feedback (trace_id, user_id, tenant, rating, rating_kind, comment, "
                "corrected_category, expected_sources, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(trace_id, user_id) DO UPDATE SET "
                "rating=excluded.rating, rating_kind=excluded.rating_kind, "
                "comment=excluded.comment, corrected_category=excluded.corrected_category, "
                "expected_sources=excluded.expected_sources, updated_at=excluded.updated_at",
                (trace_id, user_id, tenant, fields["rating"], fields["rating_kind"],
                 fields["comment"], fields["corrected_category"], fields["expected_sources"],
                 now, now))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return not exists

    def get_feedback(self, tenant: str, trace_id: str, user_id: str) -> dict[str, Any] | None:
        row = self._conn().execute(
            "SELECT trace_id, user_id, rating, rating_kind, comment, corrected_category, "
            "expected_sources, created_at, updated_at FROM feedback "
            "WHERE tenant=? AND trace_id=? AND user_id=?", (tenant, trace_id, user_id)).fetchone()
        if row is None:
            return None
        keys = ("trace_id", "user_id", "rating", "rating_kind", "comment", "corrected_category",
                "expected_sources", "created_at", "updated_at")
        out = dict(zip(keys, row, strict=True))
        out["expected_sources"] = json.loads(out["expected_sources"])
        return out

    def get_trace(self, tenant: str, trace_id: str,
                  light: bool = False) -> dict[str, Any] | None:
        """The trace with its observations and scores (``light``: the summary alone)."""
        conn = self._conn()
        row = conn.execute("SELECT summary, has_feedback, rating FROM traces "
                           "WHERE tenant=? AND id=?", (tenant, trace_id)).fetchone()
        if row is None:
            return None
        trace = json.loads(row[0])
        trace["has_feedback"], trace["rating"] = bool(row[1]), row[2]
        if light:
            return trace
        trace["observations"] = sorted(
            (json.loads(r[0]) for r in conn.execute(
                "SELECT data FROM observations WHERE trace_id=?", (trace_id,))),
            key=lambda o: o["start"])
        trace["scores"] = [json.loads(r[0]) for r in conn.execute(
            "SELECT data FROM scores WHERE trace_id=? ORDER BY created_at", (trace_id,))]
        return trace

    def list_traces(self, tenant: str, f: TraceFilter, limit: int = 50,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        where: list[str] = ["tenant=?"]
        args: list[Any] = [tenant]
        for column, op, value in (
            ("start", ">=", f.since), ("start", "<", f.until), ("category", "=", f.category),
            ("variant", "=", f.variant), ("status", "=", f.status), ("name", "=", f.name),
            ("latency_ms", ">=", f.min_latency_ms), ("latency_ms", "<=", f.max_latency_ms),
            ("user_id", "=", f.user_id), ("session_id", "=", f.session_id),
        ):
            if value is not None:
                where.append(f"{column} {op} ?")  # column and operator are fixed strings
                args.append(value)
        if f.has_feedback is not None:
            where.append("has_feedback = ?")
            args.append(int(f.has_feedback))
        if f.rating is not None:
            where.append("rating >= 0.5" if f.rating == "up" else "rating < 0.5")
        for word in search_words(f.text):
            where.append("lower(coalesce(json_extract(summary, '$.input.question'), '') || ' ' "
                         "|| coalesce(json_extract(summary, '$.output.answer'), '')) "
                         "LIKE ? ESCAPE '\\'")
            args.append("%" + _like(word) + "%")
        sql_where = " AND ".join(where)
        conn = self._conn()
        total = int(conn.execute(f"SELECT COUNT(*) FROM traces WHERE {sql_where}", args)
                    .fetchone()[0])
        rows = conn.execute(
            f"SELECT summary, has_feedback, rating FROM traces WHERE {sql_where} "
            "ORDER BY start DESC LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        out = []
        for summary, has_feedback, rating in rows:
            item = json.loads(summary)
            item["has_feedback"] = bool(has_feedback)
            item["rating"] = rating
            out.append(item)
        return out, total

    def rollups(self, tenant: str, series_prefix: str, since: float,
                until: float | None = None) -> list[dict[str, Any]]:
        """Rollup rows of every series starting with ``series_prefix``, oldest first."""
        args: list[Any] = [tenant, series_prefix + "%", int(since // 60) * 60]
        sql = ("SELECT series, minute, count, sum, min, max, buckets FROM rollups "
               "WHERE tenant=? AND series LIKE ? AND minute >= ?")
        if until is not None:
            sql += " AND minute < ?"
            args.append(until)
        rows = self._conn().execute(sql + " ORDER BY minute", args).fetchall()
        return [{"series": r[0], "minute": r[1], "count": r[2], "sum": r[3], "min": r[4],
                 "max": r[5], "buckets": json.loads(r[6])} for r in rows]

    # -- reads for the dashboard, experiments, datasets and the classifier ----------------
    def rollup_rows(self, tenant: str, since: float, until: float, prefixes: Sequence[str],
                    hourly: bool = False) -> Iterator[RollupRow]:
        """(series, time, count, sum, min, max, buckets) of a time range whose series start
        with one of the prefixes: one query on the (tenant, time, series) index, the
        series filtered here (cheaper than one range scan per prefix)."""
        table, column, width, index = (("rollups_hour", "hour", 3600, "rollups_hour_time")
                                       if hourly else
                                       ("rollups", "minute", 60, "rollups_tenant_time"))
        wanted = tuple(prefixes)
        lo, hi = min(wanted), max(wanted)
        rows = self._conn().execute(  # table, column and index are fixed strings
            f"SELECT series, {column}, count, sum, min, max, buckets FROM {table} "
            f"INDEXED BY {index} WHERE tenant=? AND {column} >= ? AND {column} < ? "
            "AND series >= ? AND series <= ?",
            (tenant, int(since // width) * width, until, lo, hi + "\uffff"))
        for series, t, count, total, smin, smax, buckets in rows:
            if series.startswith(wanted):
                yield series, t, count, total, smin, smax, (
                    json.loads(buckets) if len(buckets) > 2 else [])

    def recent_feedback(self, tenant: str, limit: int = 20) -> list[dict[str, Any]]:
        """The latest feedback with its question and answer."""
        rows = self._conn().execute(
            "SELECT f.trace_id, f.rating, f.rating_kind, f.comment, f.corrected_category, "
            "f.updated_at, t.summary FROM feedback f LEFT JOIN traces t ON t.id = f.trace_id "
            "WHERE f.tenant=? ORDER BY f.updated_at DESC LIMIT ?", (tenant, limit)).fetchall()
        out = []
        for trace_id, rating, kind, comment, corrected, at, summary in rows:
            sm = json.loads(summary) if summary else {}
            out.append({"trace_id": trace_id, "rating": rating, "kind": kind,
                        "comment": comment, "corrected_category": corrected, "at": at,
                        "question": (sm.get("input") or {}).get("question", ""),
                        "answer": (sm.get("output") or {}).get("answer", ""),
                        "category": sm.get("category", "")})
        return out

    def corrections(self, tenant: str) -> list[tuple[str, str]]:
        """(question, corrected category) from every feedback that corrected a category."""
        rows = self._conn().execute(
            "SELECT f.corrected_category, t.summary FROM feedback f JOIN traces t "
            "ON t.id = f.trace_id WHERE f.tenant=? AND f.corrected_category IS NOT NULL",
            (tenant,)).fetchall()
        out = []
        for category, summary in rows:
            question = (json.loads(summary).get("input") or {}).get("question")
            if question:
                out.append((question, category))
        return out

    def answered(self, tenant: str, since: float, until: float | None = None,
                 thumbs_down_only: bool = True) -> list[dict[str, Any]]:
        """Summaries of answered queries in a time range (only thumbs-down ones, by default)."""
        sql = ("SELECT DISTINCT t.summary FROM traces t JOIN scores s ON s.trace_id = t.id "
               "WHERE t.tenant=? AND t.name='query' AND t.start >= ?")
        args: list[Any] = [tenant, since]
        if until is not None:
            sql += " AND t.start < ?"
            args.append(until)
        if thumbs_down_only:
            sql += " AND s.name='thumbs_up' AND json_extract(s.data, '$.value') = 0"
        return [json.loads(r[0]) for r in self._conn().execute(sql, args)]

    def variant_rows(self, tenant: str, exp_id: str) -> list[tuple[str, float, str]]:
        """(variant, latency_ms, summary json) of every query trace in the experiment."""
        return [(r[0].split("/", 1)[1], r[1], r[2]) for r in self._conn().execute(
            "SELECT variant, latency_ms, summary FROM traces WHERE tenant=? AND variant >= ? "
            "AND variant < ? AND name='query'", (tenant, exp_id + "/", exp_id + "0"))]

    def variant_scores(self, tenant: str, exp_id: str, name: str) -> list[tuple[str, float]]:
        """(variant, value) of every score of that name on the experiment's traces."""
        return [(r[0].split("/", 1)[1], json.loads(r[1])["value"]) for r in self._conn().execute(
            "SELECT t.variant, s.data FROM scores s JOIN traces t ON t.id = s.trace_id "
            "WHERE t.tenant=? AND t.variant >= ? AND t.variant < ? AND s.name=?",
            (tenant, exp_id + "/", exp_id + "0", name)) if json.loads(r[1])["value"] is not None]

    def delete_traces_before(self, before: float) -> int:
        """Retention: drop traces (with observations, scores and feedback, whose comments
        and user ids are personal data) that started before."""
        conn = self._tx()
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM traces WHERE start < ?",
                                              (before,))]
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                marks = ",".join("?" * len(part))
                for table, column in (("observations", "trace_id"), ("scores", "trace_id"),
                                      ("feedback", "trace_id"), ("traces", "id")):
                    conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", part)
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return len(ids)

    def forget_document(self, tenant: str, doc_id: str, erase: Sequence[str] = ()) -> int:
        needle = '%"doc_id":' + _like(_json(doc_id)) + "%"
        marks = shingles(erase)
        conn = self._tx()
        try:
            ids = [r[0] for r in conn.execute(
                "SELECT DISTINCT o.trace_id FROM observations o JOIN traces t "
                "ON t.id = o.trace_id WHERE t.tenant = ? AND o.data LIKE ? ESCAPE '\\'",
                (tenant, needle))]
            changed = 0
            for trace_id in ids:
                observations = [json.loads(r[0]) for r in conn.execute(
                    "SELECT data FROM observations WHERE trace_id=?", (trace_id,))]
                summary = json.loads(conn.execute("SELECT summary FROM traces WHERE id=?",
                                                  (trace_id,)).fetchone()[0])
                forgot = forget_in(observations, doc_id)
                erased = bool(marks) and erase_in(summary, observations, marks)
                if forgot or erased:
                    conn.executemany("UPDATE observations SET data=? WHERE id=?",
                                     [(_json(o), o["id"]) for o in observations])
                    changed += 1
                if erased:
                    conn.execute("UPDATE traces SET summary=? WHERE id=?",
                                 (_json(summary), trace_id))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        checkpoint(conn)
        return changed

    def close(self) -> None:
        self._settle()
        self.db.close()
