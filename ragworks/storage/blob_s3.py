"""Blob store on Amazon S3 (or anything speaking its API: moto's server, LocalStack, MinIO).

    S3BlobStore("s3://ragworks-docs/prod")   # bucket ragworks-docs, keys under prod/

- Every object is written with server-side encryption (``AES256``, or ``aws:kms`` with
  ``RAGWORKS_S3_KMS_KEY_ID``).
- Writes are conditional (``If-None-Match: *``): an existing object is never silently
  replaced. Writing the same bytes again is a no-op (keys are content hashes); writing
  different bytes under an existing key raises Conflict.
- Objects over ``multipart_bytes`` go up in parts (and the upload is aborted on error,
  so no orphaned parts are billed).
The endpoint comes from boto3's own configuration (``AWS_ENDPOINT_URL`` /
``AWS_ENDPOINT_URL_S3``, region, credentials), as for every AWS tool.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ragworks.errors import Conflict
from ragworks.storage.blob_local import SAFE_KEY


class S3BlobStore:
    def __init__(self, spec: str, client: Any = None, kms_key_id: str = "",
                 multipart_bytes: int = 16 * 1024 * 1024,
                 part_bytes: int = 8 * 1024 * 1024) -> None:
        url = urlparse(spec)
        if url.scheme != "s3" or not url.netloc:
            raise ValueError(f"expected s3://BUCKET[/PREFIX], not {spec!r}")
        self.bucket, self.prefix = url.netloc, url.path.strip("/")
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.s3 = client
        self.sse: dict[str, str] = ({"ServerSideEncryption": "aws:kms",
                                     "SSEKMSKeyId": kms_key_id} if kms_key_id
                                    else {"ServerSideEncryption": "AES256"})
        self.multipart_bytes, self.part_bytes = multipart_bytes, part_bytes

    def _key(self, key: str) -> str:
        if not SAFE_KEY.match(key) or ".." in key.split("/"):
            raise ValueError(f"unsafe blob key {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    @staticmethod
    def _error_code(exc: Exception) -> str:
        return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        full = self._key(key)
        try:
            if len(data) > self.multipart_bytes:
                self._multipart(full, data)
            else:
                self.s3.put_object(Bucket=self.bucket, Key=full, Body=data, IfNoneMatch="*",
                                   **self.sse)
        except ClientError as exc:
            if self._error_code(exc) not in ("PreconditionFailed", "412",
                                             "ConditionalRequestConflict"):
                raise
            if self.get(key) != data:
                raise Conflict(f"blob {key!r} exists with other content; "
                               "it is never overwritten") from None

    def _multipart(self, full: str, data: bytes) -> None:
        upload = self.s3.create_multipart_upload(Bucket=self.bucket, Key=full, **self.sse)
        uid = upload["UploadId"]
        try:
            parts = []
            for n, start in enumerate(range(0, len(data), self.part_bytes), start=1):
                body = data[start:start + self.part_bytes]
                resp = self.s3.upload_part(Bucket=self.bucket, Key=full, UploadId=uid,
                                           PartNumber=n, Body=body)
                parts.append({"PartNumber": n, "ETag": resp["ETag"]})
            self.s3.complete_multipart_upload(Bucket=self.bucket, Key=full, UploadId=uid,
                                              MultipartUpload={"Parts": parts},
                                              IfNoneMatch="*")
        except BaseException:
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=uid)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.s3.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if self._error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def check(self) -> dict[str, Any]:
        """For `ragworks doctor`: the bucket exists and is reachable; its encryption."""
        self.s3.head_bucket(Bucket=self.bucket)
        return {"bucket": self.bucket, "prefix": self.prefix}
