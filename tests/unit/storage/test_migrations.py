"""Migrations are recorded by name, in every SQLite file the project owns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ragworks.index.local import LocalChunkIndex
from ragworks.jobs.queue import SQLiteJobQueue
from ragworks.storage.migrations import MIGRATIONS, migrate, name_of
from ragworks.storage.sqlite import SQLiteFile


def _names(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY rowid")]


def test_every_sqlite_file_records_its_migrations_by_name(tmp_path: Path) -> None:
    SQLiteFile(tmp_path / "ragworks.db")
    LocalChunkIndex(tmp_path / "index", dim=4).close()
    SQLiteJobQueue(tmp_path / "jobs.db")
    assert _names(tmp_path / "ragworks.db") == [name_of(m) for m in MIGRATIONS]
    assert _names(tmp_path / "index" / "chunks.db") == ["m001_chunks", "m002_change_log"]
    assert _names(tmp_path / "jobs.db") == ["m001_jobs"]


def test_a_file_counted_by_position_is_carried_over_and_finished(tmp_path: Path) -> None:
    """A records file from before names were kept: the first N steps are taken as applied
    (their tables are there), the rest are applied once."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:11])
    conn.execute("DROP TABLE schema_migrations")  # as the old code left it: a count only
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 11
    assert migrate(conn) == len(MIGRATIONS)
    assert _names(path)[-1] == MIGRATIONS[-1].__name__.lstrip("_") \
        and len(_names(path)) == len(MIGRATIONS)
    conn.execute("INSERT INTO job_status VALUES ('j', 't', 'ingest', 0, '{}')")
    migrate(conn)  # nothing left to do, nothing applied twice
    assert conn.execute("SELECT COUNT(*) FROM job_status").fetchone()[0] == 1
