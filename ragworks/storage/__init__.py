"""Where documents and records live: blob store and record store, chosen by spec string.

    open_record_store("sqlite:///data/ragworks.db")
    open_blob_store("file:///data/blobs")
"""

from __future__ import annotations

from ragworks.storage.blob_local import LocalBlobStore
from ragworks.storage.protocols import BlobStore, RecordStore
from ragworks.storage.sqlite import SQLiteRecordStore


def open_record_store(spec: str) -> RecordStore:
    if spec.startswith("sqlite:///"):
        return SQLiteRecordStore(spec.removeprefix("sqlite:///"))
    raise ValueError(f"unknown record store spec {spec!r} (expected sqlite:///PATH)")


def open_blob_store(spec: str) -> BlobStore:
    if spec.startswith("file://"):
        return LocalBlobStore(spec.removeprefix("file://"))
    raise ValueError(f"unknown blob store spec {spec!r} (expected file://PATH)")


__all__ = ["BlobStore", "RecordStore", "open_blob_store", "open_record_store"]
