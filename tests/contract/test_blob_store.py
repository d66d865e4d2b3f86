"""BlobStore contract: the same tests on local files and on S3 (moto's server on loopback)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.errors import Conflict
from ragworks.storage import BlobStore, open_blob_store
from tests.conftest import AWS


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield open_blob_store(f"file://{tmp_path}/blobs")
        return
    aws: AWS = request.getfixturevalue("aws")
    bucket = f"rw-{secrets.token_hex(4)}"
    aws.client("s3").create_bucket(Bucket=bucket)
    yield open_blob_store(f"s3://{bucket}/docs")


def test_put_get_exists_delete(store: BlobStore) -> None:
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


def test_unsafe_keys_are_refused(store: BlobStore) -> None:
    for key in ("../escape", "a/../../b", "with space", "semi;colon", ""):
        with pytest.raises(ValueError, match="unsafe"):
            store.put(key, b"x")


def test_large_blob_round_trips(store: BlobStore) -> None:
    data = os.urandom(20 * 1024 * 1024)  # over the S3 multipart threshold
    store.put("t1/big/raw", data)
    assert store.get("t1/big/raw") == data


def test_s3_never_silently_overwrites_and_encrypts(aws: AWS) -> None:
    bucket = f"rw-{secrets.token_hex(4)}"
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    store = open_blob_store(f"s3://{bucket}/docs")
    store.put("t1/doc/raw", b"first")
    with pytest.raises(Conflict, match="never overwritten"):
        store.put("t1/doc/raw", b"second")
    assert store.get("t1/doc/raw") == b"first"  # nothing lost
    head = s3.head_object(Bucket=bucket, Key="docs/t1/doc/raw")
    assert head["ServerSideEncryption"] == "AES256"
    big = os.urandom(18 * 1024 * 1024)
    store.put("t1/big/raw", big)
    with pytest.raises(Conflict):
        store.put("t1/big/raw", os.urandom(18 * 1024 * 1024))
    assert store.get("t1/big/raw") == big
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")  # none left behind
