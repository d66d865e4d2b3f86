"""Schema migrations for the SQLite files, each recorded by name when applied.

Every SQLite file the project owns has its list: the records file (``MIGRATIONS``
below: documents, keys, traces, runs, datasets, experiments, alerts, jobs), the chunk
index (``index/local.py``) and the local job queue (``jobs/queue.py``). Append, never edit.
A migration's name is its function's (``m012_job_status``); ``schema_migrations`` holds the
names applied and when. Files from before names were kept (``PRAGMA user_version``
counted the steps) have their first N steps recorded as applied.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence


def _m001_documents(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE documents (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, collection TEXT NOT NULL,
            source TEXT NOT NULL, title TEXT NOT NULL, media_type TEXT NOT NULL,
            content_hash TEXT NOT NULL, size_bytes INTEGER NOT NULL,
            chunk_count INTEGER NOT NULL, created_at REAL NOT NULL)"""
    )
    conn.execute("CREATE INDEX documents_scope ON documents (tenant, collection, source)")


def _m002_api_keys(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE api_keys (
            key_hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, scopes TEXT NOT NULL,
            name TEXT NOT NULL)"""
    )


def _m003_traces(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE traces (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL,
            start REAL NOT NULL, latency_ms REAL NOT NULL, status TEXT NOT NULL,
            category TEXT NOT NULL, variant TEXT NOT NULL, user_id TEXT NOT NULL,
            session_id TEXT NOT NULL, has_feedback INTEGER NOT NULL DEFAULT 0,
            summary TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX traces_time ON traces (tenant, start)")
    conn.execute("CREATE INDEX traces_start ON traces (start)")
    conn.execute(
        "CREATE TABLE observations (id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, "
        "data TEXT NOT NULL)")
    conn.execute("CREATE INDEX observations_trace ON observations (trace_id)")
    conn.execute(
        """CREATE TABLE scores (
            id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, tenant TEXT NOT NULL,
            name TEXT NOT NULL, source TEXT NOT NULL, created_at REAL NOT NULL,
            data TEXT NOT NULL)""")
    conn.execute("CREATE INDEX scores_trace ON scores (trace_id)")
    conn.execute(
        """CREATE TABLE rollups (
            tenant TEXT NOT NULL, series TEXT NOT NULL, minute INTEGER NOT NULL,
            count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
            buckets TEXT NOT NULL, PRIMARY KEY (tenant, series, minute))""")
    conn.execute("CREATE INDEX rollups_minute ON rollups (minute)")


def _m004_feedback(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE feedback (
            trace_id TEXT NOT NULL, user_id TEXT NOT NULL, tenant TEXT NOT NULL,
            rating REAL NOT NULL, rating_kind TEXT NOT NULL, comment TEXT NOT NULL,
            corrected_category TEXT, expected_sources TEXT NOT NULL,
            created_at REAL NOT NULL, updated_at REAL NOT NULL,
            PRIMARY KEY (trace_id, user_id))""")
    conn.execute("CREATE INDEX feedback_time ON feedback (tenant, updated_at)")


def _m005_experiments(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE experiments (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, status TEXT NOT NULL,
            data TEXT NOT NULL, created_at REAL NOT NULL)""")
    conn.execute(
        """CREATE TABLE config_events (
            tenant TEXT NOT NULL, at REAL NOT NULL, who TEXT NOT NULL, kind TEXT NOT NULL,
            data TEXT NOT NULL)""")
    conn.execute(
        "CREATE TABLE active_config (tenant TEXT PRIMARY KEY, overrides TEXT NOT NULL)")


def _m006_eval_runs(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE eval_runs (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, dataset TEXT NOT NULL,
            dataset_version TEXT NOT NULL, created_at REAL NOT NULL, data TEXT NOT NULL)""")


def _m007_datasets(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE datasets (
            tenant TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
            content_hash TEXT NOT NULL, source TEXT NOT NULL, created_at REAL NOT NULL,
            items TEXT NOT NULL, PRIMARY KEY (tenant, name, version))""")


def _m008_dashboard_and_alerts(conn: sqlite3.Connection) -> None:
    # hourly rollups (the 7d and 30d charts) and per-minute sums of query embeddings (drift)
    conn.execute(
        """CREATE TABLE rollups_hour (
            tenant TEXT NOT NULL, series TEXT NOT NULL, hour INTEGER NOT NULL,
            count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
            buckets TEXT NOT NULL, PRIMARY KEY (tenant, series, hour))""")
    conn.execute(
        """INSERT INTO rollups_hour SELECT tenant, series, (minute / 3600) * 3600, SUM(count),
           SUM(sum), MIN(min), MAX(max), '[]' FROM rollups GROUP BY 1, 2, 3""")
    conn.execute(
        """CREATE TABLE query_vectors (
            tenant TEXT NOT NULL, hour INTEGER NOT NULL, count INTEGER NOT NULL,
            sum BLOB NOT NULL, PRIMARY KEY (tenant, hour))""")
    conn.execute(
        """CREATE TABLE alert_rules (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, data TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'ok', since REAL NOT NULL DEFAULT 0,
            value REAL, acked_by TEXT, silenced_until REAL NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL)""")
    conn.execute(
        """CREATE TABLE alert_events (
            tenant TEXT NOT NULL, rule_id TEXT NOT NULL, at REAL NOT NULL,
            state TEXT NOT NULL, value REAL, message TEXT NOT NULL)""")
    conn.execute("CREATE INDEX alert_events_time ON alert_events (tenant, at)")
    conn.execute("CREATE INDEX traces_variant ON traces (tenant, variant)")
    conn.execute(
        """CREATE TABLE leases (
            name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires REAL NOT NULL)""")


def _m009_rollup_time_indexes(conn: sqlite3.Connection) -> None:
    # dashboard windows read every series of a time range: index by time first
    conn.execute("CREATE INDEX rollups_tenant_time ON rollups (tenant, minute, series)")
    conn.execute("CREATE INDEX rollups_hour_time ON rollups_hour (tenant, hour, series)")


def _m010_key_listing_and_sessions(conn: sqlite3.Connection) -> None:
    # keys can be listed and revoked; a logged-out session is refused until it expires
    conn.execute("ALTER TABLE api_keys ADD COLUMN created_at REAL NOT NULL DEFAULT 0")
    conn.execute("CREATE INDEX api_keys_tenant ON api_keys (tenant)")
    conn.execute(
        """CREATE TABLE revoked_sessions (id TEXT PRIMARY KEY, expires REAL NOT NULL)""")


def _m011_document_flags(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE documents ADD COLUMN flags TEXT NOT NULL DEFAULT '[]'")


def _m012_job_status(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE job_status (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL,
            submitted_at REAL NOT NULL, data TEXT NOT NULL)""")
    conn.execute("CREATE INDEX job_status_tenant ON job_status (tenant, submitted_at)")


def _m013_trace_rating_and_people(conn: sqlite3.Connection) -> None:
    # the traces list shows up or down (not just "has feedback") and filters by user and
    # session
    conn.execute("ALTER TABLE traces ADD COLUMN rating REAL")
    conn.execute("UPDATE traces SET rating = (SELECT AVG(f.rating) FROM feedback f "
                 "WHERE f.trace_id = traces.id) WHERE has_feedback = 1")
    conn.execute("CREATE INDEX traces_user ON traces (tenant, user_id, start)")
    conn.execute("CREATE INDEX traces_session ON traces (tenant, session_id, start)")


def _m014_alert_samples(conn: sqlite3.Connection) -> None:
    # how many samples the last evaluation saw: a rule short of its minimum says
    # "insufficient data (n of m)" instead of a green "ok" beside a breaching value
    conn.execute("ALTER TABLE alert_rules ADD COLUMN samples INTEGER")


def _m015_sources(conn: sqlite3.Connection) -> None:
    # documents kept in sync with a folder, an S3 prefix or a website (ragworks/sources)
    conn.execute(
        """CREATE TABLE sources (
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, created_at REAL NOT NULL,
            data TEXT NOT NULL, lease_owner TEXT, lease_until REAL NOT NULL DEFAULT 0)""")
    conn.execute(
        """CREATE TABLE source_items (
            source_id TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
            PRIMARY KEY (source_id, key))""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [  # the records file
    _m001_documents, _m002_api_keys, _m003_traces, _m004_feedback, _m005_experiments,
    _m006_eval_runs, _m007_datasets, _m008_dashboard_and_alerts, _m009_rollup_time_indexes,
    _m010_key_listing_and_sessions, _m011_document_flags, _m012_job_status,
    _m013_trace_rating_and_people, _m014_alert_samples, _m015_sources,
]


Migration = Callable[[sqlite3.Connection], None]


def name_of(step: Migration) -> str:
    return step.__name__.lstrip("_")


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] | None = None) -> int:
    """Apply the migrations of this file not yet applied, in order, in one transaction;
    returns how many the file knows."""
    steps = list(MIGRATIONS if migrations is None else migrations)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                     "(name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
        if not done:  # a file from before names were recorded: its count says how far
            counted = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in steps[:counted]:
                conn.execute("INSERT INTO schema_migrations VALUES (?, 0)", (name_of(step),))
                done.add(name_of(step))
        for step in steps:
            if name_of(step) not in done:
                step(conn)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?)",
                             (name_of(step), time.time()))
        conn.execute(f"PRAGMA user_version = {len(steps)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return len(steps)
