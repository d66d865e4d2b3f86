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
    if spec.startswith("dynamodb://"):
        from ragworks.storage.dynamodb import DynamoRecordStore

        return DynamoRecordStore(spec)
    raise ValueError(f"unknown record store spec {spec!r} "
                     "(expected sqlite:///PATH or dynamodb://TABLE_PREFIX)")


def open_blob_store(spec: str, kms_key_id: str = "") -> BlobStore:
    """``kms_key_id`` (S3 only): server-side encryption with this KMS key."""
    if spec.startswith("file://"):
        return LocalBlobStore(spec.removeprefix("file://"))
    if spec.startswith("s3://"):
        from ragworks.storage.blob_s3 import S3BlobStore

        return S3BlobStore(spec, kms_key_id=kms_key_id)
    raise ValueError(f"unknown blob store spec {spec!r} (expected file://PATH or s3://BUCKET)")


__all__ = ["BlobStore", "RecordStore", "open_blob_store", "open_record_store"]
