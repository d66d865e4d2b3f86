"""An S3 prefix as a source, against moto's S3 server on loopback."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from ragworks.errors import Unavailable
from ragworks.services import Services
from ragworks.usecases import syncing
from tests.conftest import AWS, CORPUS, make_settings
from tests.integration.sources.helpers import indexed


def test_the_index_follows_the_prefix(aws: AWS, tmp_path: Path) -> None:
    s3 = aws.client("s3")
    bucket = f"docs-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=bucket)
    put = {"handbook/api-versioning.md": "api-versioning.md",
           "handbook/sub/error-codes.txt": "error-codes.txt",
           "elsewhere/vacation-policy.md": "vacation-policy.md"}
    for key, name in put.items():
        s3.put_object(Bucket=bucket, Key=key, Body=(CORPUS / name).read_bytes())
    s3.put_object(Bucket=bucket, Key="handbook/logo.gif", Body=b"GIF89a\x01\x00")
    s3.put_object(Bucket=bucket, Key="handbook/empty-folder/", Body=b"")
    with Services(make_settings(tmp_path)) as svc:
        source = syncing.add_source(svc, "default", {"kind": "s3", "bucket": bucket,
                                                     "prefix": "handbook/"})
        first = syncing.sync_source(svc, "default", source["id"])
        assert (first["added"], first["failed"]) == (2, 0), first
        assert indexed(svc) == {"api-versioning.md", "sub/error-codes.txt"}

        s3.put_object(Bucket=bucket, Key="handbook/api-versioning.md",
                      Body=(CORPUS / "api-versioning.md").read_bytes() + b"\nVersion 9 is LTS.\n")
        s3.delete_object(Bucket=bucket, Key="handbook/sub/error-codes.txt")
        s3.put_object(Bucket=bucket, Key="handbook/wifi.txt",
                      Body=(CORPUS / "wifi-guest-access.txt").read_bytes())
        second = syncing.sync_source(svc, "default", source["id"])
        assert (second["added"], second["changed"], second["removed"]) == (1, 1, 1), second
        assert indexed(svc) == {"api-versioning.md", "wifi.txt"}
        third = syncing.sync_source(svc, "default", source["id"])
        assert (third["unchanged"], third["added"], third["changed"]) == (2, 0, 0)

        # a bucket that is not there (or refuses): the sync fails and removes nothing
        gone = syncing.add_source(svc, "default", {"kind": "s3", "bucket": "no-such-bucket-x",
                                                   "prefix": "", "collection": "other"})
        with pytest.raises(Unavailable, match="NoSuchBucket.*nothing was removed"):
            syncing.sync_source(svc, "default", gone["id"])
        assert svc.sources.get("default", gone["id"])["last_sync"]["status"] == "error"
        assert indexed(svc) == {"api-versioning.md", "wifi.txt"}
