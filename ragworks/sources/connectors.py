"""Where a source's items come from: a folder and an S3 prefix (a website: ``website.py``).

    for item in FolderSource(Path("~/docs")).items():
        item.key, item.fingerprint, item.read()     # "guides/a.md", "2048:17...", b"..."

A listing is complete or it raises ``Unavailable`` (the folder is gone, the bucket
refuses): the sync then removes nothing. An item listed but not readable now carries its
``error`` and is retried by a later sync; reading raises ``ItemUnreadable``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from ragworks.errors import BadInput, Unavailable
from ragworks.ingest.sniff import SUPPORTED_EXTENSIONS


class ItemUnreadable(BadInput):
    """An item listed but not readable now (deleted meanwhile, changed while read, over
    the size limit): its status says why, and a later sync tries again."""


@dataclass(frozen=True)
class Item:
    #: its name in the source, and the document's name: "guides/a.md", a key under the
    #: prefix, a URL
    key: str
    #: changes whenever the item does: size and modification time, the ETag, a hash
    fingerprint: str
    read: Callable[[], bytes]
    #: listed but not readable now: the stored document (if any) is kept
    error: str | None = None


class Connector(Protocol):
    def items(self) -> Iterator[Item]: ...


def wanted(key: str) -> bool:
    """A file a sync ingests: a supported type, not hidden (``.git/``, ``.DS_Store``)."""
    path = PurePosixPath(key)
    return (path.suffix.lower() in SUPPORTED_EXTENSIONS
            and not any(part.startswith(".") for part in path.parts))


class FolderSource:
    """Files under a folder, recursively, symbolic links not followed."""

    def __init__(self, root: Path, max_bytes: int, max_items: int = 100_000) -> None:
        self.root, self.max_bytes, self.max_items = root, max_bytes, max_items

    def items(self) -> Iterator[Item]:
        if not self.root.is_dir():
            raise Unavailable(f"folder {self.root} is not there (moved, unmounted or "
                              "deleted?); nothing was removed")
        found = 0
        for top, dirs, files in os.walk(self.root, onerror=self._gone):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = Path(top, name)
                key = path.relative_to(self.root).as_posix()
                if not wanted(key) or path.is_symlink():
                    continue
                found += 1
                if found > self.max_items:
                    raise Unavailable(f"folder {self.root} holds over {self.max_items} "
                                      "documents; sync a smaller folder")
                yield self._item(path, key)

    def _gone(self, exc: OSError) -> None:
        if not self.root.is_dir():
            raise Unavailable(f"folder {self.root} disappeared during the sync; nothing "
                              "was removed") from exc

    def _item(self, path: Path, key: str) -> Item:
        try:
            st = path.stat()
        except OSError as exc:
            return Item(key, "", unreadable(key, exc.strerror or str(exc)), exc.strerror)
        if st.st_size > self.max_bytes:
            why = f"{st.st_size} bytes is over the limit of {self.max_bytes} bytes"
            return Item(key, f"{st.st_size}:{st.st_mtime_ns}", unreadable(key, why), why)
        fingerprint = f"{st.st_size}:{st.st_mtime_ns}"

        def read() -> bytes:
            try:
                data = path.read_bytes()
                after = path.stat()
            except OSError as exc:
                raise ItemUnreadable(f"{key}: {exc.strerror or exc}") from exc
            if f"{after.st_size}:{after.st_mtime_ns}" != fingerprint:
                raise ItemUnreadable(f"{key}: it changed while it was read; the next sync "
                                     "reads it again")
            return data

        return Item(key, fingerprint, read)


class S3Source:
    """Objects under an S3 prefix; the endpoint, region and credentials come from boto3's
    own configuration, as for the blob store."""

    def __init__(self, bucket: str, prefix: str, max_bytes: int, client: Any = None,
                 max_items: int = 100_000) -> None:
        self.bucket, self.prefix, self.max_bytes = bucket, prefix, max_bytes
        self.max_items = max_items
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client("s3", config=Config(
                retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5,
                read_timeout=30))
        return self._client

    def items(self) -> Iterator[Item]:
        from botocore.exceptions import BotoCoreError, ClientError

        where = f"s3://{self.bucket}/{self.prefix}"
        listed: list[dict[str, Any]] = []
        try:  # the whole listing first: a listing cut short must not delete the rest
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                listed += page.get("Contents", [])
                if len(listed) > self.max_items:
                    raise Unavailable(f"{where} holds over {self.max_items} objects; "
                                      "sync a narrower prefix")
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise Unavailable(f"{where}: {err.get('Code', 'error')}: "
                              f"{err.get('Message', exc)}; nothing was removed") from exc
        except BotoCoreError as exc:
            raise Unavailable(f"{where}: {exc}; nothing was removed") from exc
        for obj in listed:
            key = obj["Key"][len(self.prefix):].lstrip("/")
            if not key or not wanted(key):
                continue
            yield self._item(obj, key)

    def _item(self, obj: dict[str, Any], key: str) -> Item:
        etag = str(obj.get("ETag", "")).strip('"')
        if obj.get("Size", 0) > self.max_bytes:
            why = f"{obj['Size']} bytes is over the limit of {self.max_bytes} bytes"
            return Item(key, etag, unreadable(key, why), why)

        def read() -> bytes:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                body = self.client.get_object(Bucket=self.bucket, Key=obj["Key"],
                                              IfMatch=obj["ETag"])["Body"]
                data: bytes = body.read(self.max_bytes + 1)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "error")
                if code in ("PreconditionFailed", "412"):
                    raise ItemUnreadable(f"{key}: it changed while it was read; the next "
                                         "sync reads it again") from exc
                raise ItemUnreadable(f"{key}: {code}") from exc
            except BotoCoreError as exc:
                raise ItemUnreadable(f"{key}: {exc}") from exc
            return data

        return Item(key, etag, read)


def unreadable(key: str, why: str) -> Callable[[], bytes]:
    def read() -> bytes:
        raise ItemUnreadable(f"{key}: {why}")
    return read
