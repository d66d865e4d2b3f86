"""Sources, their items and the sync lease: the same tests on SQLite and DynamoDB."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.sources.store import SourceStore
from ragworks.sources.store_sqlite import SQLiteSourceStore
from ragworks.storage.sqlite import SQLiteFile
from ragworks.testing.source_store import SourceStoreContract


class TestSourceStore(SourceStoreContract):
    @pytest.fixture(params=["sqlite", "dynamodb"])
    def stores(self, request: pytest.FixtureRequest,
               tmp_path: Path) -> Iterator[tuple[SourceStore, SourceStore]]:
        if request.param == "sqlite":
            yield (SQLiteSourceStore(SQLiteFile(tmp_path / "r.db")),
                   SQLiteSourceStore(SQLiteFile(tmp_path / "r.db")))
            return
        request.getfixturevalue("aws")
        from ragworks.sources.store_dynamodb import DynamoSourceStore
        from ragworks.storage.dynamodb import DynamoRecordStore

        spec = f"dynamodb://rw-{secrets.token_hex(4)}"
        yield (DynamoSourceStore(DynamoRecordStore(spec)),
               DynamoSourceStore(DynamoRecordStore(spec)))
