"""The RecordStore contract: every backend of ``RecordStore`` passes these tests.

A backend of your own runs them by subclassing and giving the ``store`` fixture::

    class TestMyBackend(RecordStoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            yield MyBackend(tmp_path)
"""

from __future__ import annotations

import threading

from ragworks.models import Document
from ragworks.storage import RecordStore


def make_document(i: int, tenant: str = "acme", collection: str = "docs", source: str | None = None,
         at: float = 1000.0) -> Document:
    return Document(id=f"d{i:03d}", tenant=tenant, collection=collection,
                    source=source or f"file-{i % 7}.txt", title=f"T{i}", media_type="text/plain",
                    content_hash=f"h{i}", size_bytes=10 * i, chunk_count=i % 5 + 1,
                    created_at=at + i)


class RecordStoreContract:
    """Tests of any RecordStore; subclasses provide the ``store`` fixture."""

    def test_insert_get_and_duplicate(self, store: RecordStore) -> None:
        doc = make_document(1)
        assert store.insert_document(doc) is True
        assert store.insert_document(doc) is False  # same id: nothing written
        assert store.get_document("acme", "d001") == doc
        assert store.get_document("other", "d001") is None  # another tenant: not there
        assert store.count_documents("acme") == 1

    def test_concurrent_inserts_of_one_document_make_one(self, store: RecordStore) -> None:
        results: list[bool] = []
        barrier = threading.Barrier(6)

        def insert() -> None:
            barrier.wait()
            results.append(store.insert_document(make_document(7)))

        threads = [threading.Thread(target=insert) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [False] * 5 + [True]
        assert store.count_documents("acme") == 1 and store.count_documents("acme", "docs") == 1

    def test_listing_counting_finding_and_deleting(self, store: RecordStore) -> None:
        docs = [make_document(i, collection="a" if i % 2 else "b") for i in range(1, 31)]
        for d in docs:
            store.insert_document(d)
        store.insert_document(make_document(99, tenant="zeta"))
        expected = sorted(docs, key=lambda d: (d.source, d.id))
        assert store.list_documents("acme", limit=100) == expected
        assert store.list_documents("acme", limit=10, offset=10) == expected[10:20]
        assert store.list_documents("acme", limit=10, offset=30) == []
        only_a = [d for d in expected if d.collection == "a"]
        assert store.list_documents("acme", "a", limit=100) == only_a
        assert (store.count_documents("acme"), store.count_documents("acme", "a"),
                store.count_documents("acme", "zzz")) == (30, 15, 0)
        assert sorted(store.tenants()) == ["acme", "zeta"]
        newest = max((d for d in docs if d.source == "file-3.txt" and d.collection == "a"),
                     key=lambda d: d.created_at)
        assert store.find_by_source("acme", "a", "file-3.txt") == newest
        assert store.find_by_source("acme", "a", "missing.txt") is None
        versions = store.versions_of("acme", "a", "file-3.txt")
        assert versions[0] == newest and len(versions) >= 1
        assert all(v.source == "file-3.txt" and v.collection == "a" for v in versions)
        assert [v.created_at for v in versions] == sorted((v.created_at for v in versions),
                                                          reverse=True)
        assert store.versions_of("acme", "a", "missing.txt") == []
        assert store.delete_document("acme", newest.id) is True
        assert store.delete_document("acme", newest.id) is False
        assert store.get_document("acme", newest.id) is None
        assert (store.count_documents("acme"), store.count_documents("acme", "a")) == (29, 14)
        store.delete_document("zeta", "d099")
        assert store.tenants() == ["acme"]

    def test_api_keys(self, store: RecordStore) -> None:
        assert store.get_api_key("nope") is None
        store.put_api_key("h1", "acme", ["query", "admin"], "ops")
        assert store.get_api_key("h1") == ("acme", ("query", "admin"), "ops")
        store.put_api_key("h1", "acme", ["query"], "ops-reduced")  # update in place
        assert store.get_api_key("h1") == ("acme", ("query",), "ops-reduced")
        store.put_api_key("h2", "acme", ["admin"], "root")
        store.put_api_key("h3", "globex", ["query"], "theirs")
        listed = store.list_api_keys("acme")
        assert [(k["key_hash"], k["name"], k["scopes"]) for k in listed] == [
            ("h1", "ops-reduced", ["query"]), ("h2", "root", ["admin"])]
        assert all(k["created_at"] > 0 for k in listed)
        assert [k["key_hash"] for k in store.list_api_keys("globex")] == ["h3"]
        assert store.delete_api_key("h1") is True
        assert store.delete_api_key("h1") is False
        assert store.get_api_key("h1") is None
        assert [k["key_hash"] for k in store.list_api_keys("acme")] == ["h2"]

    def test_revoked_sessions(self, store: RecordStore) -> None:
        import time

        assert store.session_revoked("s1") is False
        store.revoke_session("s1", time.time() + 3600)
        assert store.session_revoked("s1") is True
        assert store.session_revoked("s2") is False
