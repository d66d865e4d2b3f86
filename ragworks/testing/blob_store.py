"""The BlobStore contract: every backend of ``BlobStore`` passes these tests.

A backend of your own runs them by subclassing and giving the ``store`` fixture::

    class TestMyBackend(BlobStoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            yield MyBackend(tmp_path)
"""

from __future__ import annotations

import os

import pytest

from ragworks.storage import BlobStore


class BlobStoreContract:
    """Tests of any BlobStore; subclasses provide the ``store`` fixture."""

    def test_put_get_exists_delete(self, store: BlobStore) -> None:
        assert not store.exists("t1/doc/raw")
        with pytest.raises(KeyError):
            store.get("t1/doc/raw")
        store.put("t1/doc/raw", b"hello")
        store.put("t1/doc/raw", b"hello")  # same bytes: idempotent
        assert store.get("t1/doc/raw") == b"hello" and store.exists("t1/doc/raw")
        store.put("t1/empty/raw", b"")
        assert store.get("t1/empty/raw") == b""
        store.delete("t1/doc/raw")
        store.delete("t1/doc/raw")  # absent: not an error
        assert not store.exists("t1/doc/raw")

    def test_unsafe_keys_are_refused(self, store: BlobStore) -> None:
        for key in ("../escape", "a/../../b", "with space", "semi;colon", ""):
            with pytest.raises(ValueError, match="unsafe"):
                store.put(key, b"x")

    def test_large_blob_round_trips(self, store: BlobStore) -> None:
        data = os.urandom(20 * 1024 * 1024)  # over the S3 multipart threshold
        store.put("t1/big/raw", data)
        assert store.get("t1/big/raw") == data
