import sqlite3
import time
from pathlib import Path

import pytest

from ragworks.models import Document
from ragworks.storage import open_blob_store, open_record_store
from ragworks.storage.migrations import MIGRATIONS, migrate


def doc(i: str, source: str = "a.md", tenant: str = "t") -> Document:
    return Document(id=i, tenant=tenant, collection="c", source=source, title="A",
                    media_type="text/markdown", content_hash="h", size_bytes=1, chunk_count=1,
                    created_at=time.time())


def test_documents_are_scoped_by_tenant(tmp_path: Path) -> None:
    store = open_record_store(f"sqlite:///{tmp_path}/r.db")
    assert store.insert_document(doc("1"))
    assert not store.insert_document(doc("1"))  # same id: no second row
    assert store.get_document("other", "1") is None
    assert store.count_documents("t") == 1 and store.find_by_source("t", "c", "a.md")
    assert store.delete_document("t", "1") and not store.delete_document("t", "1")


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    assert migrate(conn) == len(MIGRATIONS)
    migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_blob_store_refuses_path_escape(tmp_path: Path) -> None:
    blobs = open_blob_store(f"file://{tmp_path}/b")
    blobs.put("t/x/raw", b"data")
    assert blobs.get("t/x/raw") == b"data" and blobs.exists("t/x/raw")
    with pytest.raises(ValueError):
        blobs.put("../escape", b"x")
    blobs.delete("t/x/raw")
    blobs.delete("t/x/raw")
    with pytest.raises(KeyError):
        blobs.get("t/x/raw")
