"""BlobStore contract: the same tests on local files and on S3 (moto's server on loopback)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragworks.errors import Conflict
from ragworks.storage import BlobStore, open_blob_store
from ragworks.testing.blob_store import BlobStoreContract
from tests.conftest import AWS


class TestBlobStore(BlobStoreContract):
    @pytest.fixture(params=["local", "s3"])
    def store(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
        if request.param == "local":
            yield open_blob_store(f"file://{tmp_path}/blobs")
            return
        aws: AWS = request.getfixturevalue("aws")
        bucket = f"rw-{secrets.token_hex(4)}"
        aws.client("s3").create_bucket(Bucket=bucket)
        yield open_blob_store(f"s3://{bucket}/docs")


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
