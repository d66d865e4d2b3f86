"""The SourceStore contract: every backend of ``SourceStore`` passes these tests.

A backend of your own runs them by subclassing and giving the ``stores`` fixture (two
handles on the same storage, as two processes would have)::

    class TestMyBackend(SourceStoreContract):
        @pytest.fixture
        def stores(self, tmp_path):
            yield MyBackend(tmp_path), MyBackend(tmp_path)
"""

from __future__ import annotations

import threading
import time
from typing import Any


def _source(tenant: str, sid: str, at: float) -> dict[str, Any]:
    return {"id": sid, "tenant": tenant, "kind": "folder", "spec": {"path": "/x"},
            "collection": "default", "created_at": at, "name": sid, "interval_s": 300.0,
            "items": {"ok": 0, "failed": 0}, "last_sync": None}


class SourceStoreContract:
    """Tests of any SourceStore; subclasses provide the ``stores`` fixture."""

    def test_sources_by_tenant_in_order_and_merged_updates(self, stores) -> None:  # type: ignore[no-untyped-def]
        a, b = stores
        a.create(_source("acme", "src_2", 2.0))
        a.create(_source("acme", "src_1", 1.0))
        a.create(_source("other", "src_3", 3.0))
        assert [s["id"] for s in b.all("acme")] == ["src_1", "src_2"]
        assert [s["id"] for s in b.all()] in (["src_1", "src_2", "src_3"],
                                              ["src_3", "src_1", "src_2"])
        assert b.get("other", "src_1") is None  # another tenant's source is not there
        b.update("acme", "src_1", last_sync={"status": "ok"}, queued_at=5.0)
        a.update("acme", "src_1", queued_at=6.0)
        got = a.get("acme", "src_1")
        assert got["last_sync"] == {"status": "ok"} and got["queued_at"] == 6.0
        a.update("acme", "missing", queued_at=1.0)  # a deleted source stays deleted
        assert a.get("acme", "missing") is None

    def test_items_put_replace_drop_and_delete_with_the_source(self, stores) -> None:  # type: ignore[no-untyped-def]
        a, b = stores
        a.create(_source("acme", "src_1", 1.0))
        long_key = "https://example.com/" + "p" * 1500
        for key in ("guides/a.md", "b.md", long_key):
            a.put_item("src_1", {"key": key, "fingerprint": "1", "status": "ok"})
        a.put_item("src_1", {"key": "b.md", "fingerprint": "2", "status": "failed"})
        items = b.items("src_1")
        assert set(items) == {"guides/a.md", "b.md", long_key}
        assert items["b.md"]["fingerprint"] == "2"
        b.drop_item("src_1", long_key)
        assert set(a.items("src_1")) == {"guides/a.md", "b.md"}
        b.delete("acme", "src_1")
        assert a.get("acme", "src_1") is None and a.items("src_1") == {}

    def test_one_lease_holder_and_takeover_after_expiry(self, stores) -> None:  # type: ignore[no-untyped-def]
        a, b = stores
        a.create(_source("acme", "src_1", 1.0))
        now = time.time()
        won: list[str] = []

        def race(store: Any, owner: str) -> None:
            if store.acquire("acme", "src_1", owner, 60.0, now):
                won.append(owner)

        threads = [threading.Thread(target=race, args=(s, f"w{n}"))
                   for n, s in enumerate([a, b, a, b])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(won) == 1
        holder = won[0]
        assert a.acquire("acme", "src_1", holder, 60.0, now + 1)  # renewing is fine
        assert not b.acquire("acme", "src_1", "late", 60.0, now + 30)
        assert b.acquire("acme", "src_1", "late", 60.0, now + 62)  # lapsed: taken over
        a.release("acme", "src_1", holder)  # the old holder's release changes nothing
        assert not a.acquire("acme", "src_1", holder, 60.0, now + 63)
        b.release("acme", "src_1", "late")
        assert a.acquire("acme", "src_1", holder, 60.0, now + 64)
        assert not a.acquire("other", "src_1", holder, 60.0, now)  # not that tenant's
