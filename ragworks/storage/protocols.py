"""Storage boundaries.

BlobStore keeps raw document bytes and their extracted text. RecordStore keeps
document metadata and API keys (later: traces, feedback, experiments). Both
scope every read by tenant: an object of another tenant is "not there".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ragworks.models import Document


class BlobStore(Protocol):
    """Opaque bytes by key. ``put`` is idempotent for the same key and bytes."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes:
        """Raises KeyError when the key is absent."""
        ...

    def delete(self, key: str) -> None:
        """Deleting an absent key is not an error."""
        ...

    def exists(self, key: str) -> bool: ...


class RecordStore(Protocol):
    """Documents and API keys.

    ``insert_document`` returns False, and writes nothing, when a document with
    the same id exists already: concurrent ingestion of the same content makes
    exactly one document.

    ``local`` says whether a lookup is answered on this machine (a file, no network round
    trip): the web server then checks a caller's key on its event loop instead of handing
    the lookup to a thread, which costs more than the lookup itself.
    """

    local: bool

    def insert_document(self, doc: Document) -> bool: ...

    def get_document(self, tenant: str, doc_id: str) -> Document | None: ...

    def find_by_source(self, tenant: str, collection: str, source: str) -> Document | None: ...

    def list_documents(
        self, tenant: str, collection: str | None = None, limit: int = 100, offset: int = 0
    ) -> Sequence[Document]: ...

    def count_documents(self, tenant: str, collection: str | None = None) -> int: ...

    def tenants(self) -> Sequence[str]:
        """Every tenant that has documents (for maintenance jobs such as re-indexing)."""
        ...

    def delete_document(self, tenant: str, doc_id: str) -> bool: ...

    def versions_of(self, tenant: str, collection: str, source: str) -> list[Document]:
        """Every document stored under this name in the collection, newest first (more
        than one only while a replacement is in progress, or after a crash in one)."""
        ...

    def put_api_key(self, key_hash: str, tenant: str, scopes: Sequence[str], name: str) -> None: ...

    def get_api_key(self, key_hash: str) -> tuple[str, tuple[str, ...], str] | None:
        """(tenant, scopes, name) of a key hash, or None."""
        ...

    def list_api_keys(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's keys: ``{"key_hash", "name", "scopes", "created_at"}``, oldest first."""
        ...

    def delete_api_key(self, key_hash: str) -> bool:
        """Revoke a key (True if it existed); sessions made with it end at once."""
        ...

    def revoke_session(self, session_id: str, expires: float) -> None:
        """Refuse this login session from now until it would have expired anyway."""
        ...

    def session_revoked(self, session_id: str) -> bool: ...

    def close(self) -> None: ...
