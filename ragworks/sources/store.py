"""What is stored about a source and its items, and who is syncing it.

    store.create(source)                     # {"id", "tenant", "kind", "spec", ...}
    store.update("acme", "src_1", last_sync={...})
    store.put_item("src_1", {"key": "guides/a.md", "fingerprint": "...", ...})
    store.acquire("acme", "src_1", owner, ttl_s=120, now=time.time())   # one syncer at a time

Twins with these signatures: ``SQLiteSourceStore`` (``store_sqlite.py``, the records
file) and ``DynamoSourceStore`` (``store_dynamodb.py``, the records table); the contract
suite in ``ragworks.testing.source_store`` holds both to them.
"""

from __future__ import annotations

from typing import Any, Protocol


class SourceStore(Protocol):
    def create(self, source: dict[str, Any]) -> None: ...

    def get(self, tenant: str, source_id: str) -> dict[str, Any] | None: ...

    def all(self, tenant: str | None = None) -> list[dict[str, Any]]:
        """The tenant's sources (every tenant's with None), oldest first."""
        ...

    def update(self, tenant: str, source_id: str, **fields: Any) -> None:
        """Merge ``fields`` into the source (a deleted source stays deleted)."""

    def delete(self, tenant: str, source_id: str) -> None:
        """The source, its items and its lease."""

    def items(self, source_id: str) -> dict[str, dict[str, Any]]:
        """What the last syncs stored, by item key."""
        ...

    def put_item(self, source_id: str, item: dict[str, Any]) -> None: ...

    def drop_item(self, source_id: str, key: str) -> None: ...

    def acquire(self, tenant: str, source_id: str, owner: str, ttl_s: float,
                now: float) -> bool:
        """Take or renew the sync lease: True when ``owner`` holds it now."""
        ...

    def release(self, tenant: str, source_id: str, owner: str) -> None: ...
