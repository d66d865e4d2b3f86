"""API keys: a key maps to a tenant and scopes; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from ragworks.errors import Forbidden, Unauthorized
from ragworks.storage import RecordStore

KEY_PREFIX = "rw_"
SCOPES = ("query", "ingest", "admin")


@dataclass(frozen=True)
class Principal:
    tenant: str
    scopes: tuple[str, ...]
    key_name: str

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise Forbidden(f"this API key lacks the {scope!r} scope")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Keyring:
    def __init__(self, records: RecordStore) -> None:
        self.records = records

    def create(self, tenant: str, scopes: Sequence[str], name: str) -> str:
        """A new random key; the caller sees it once, the store keeps its hash."""
        key = KEY_PREFIX + secrets.token_urlsafe(24)
        self.register(key, tenant, scopes, name)
        return key

    def register(self, key: str, tenant: str, scopes: Sequence[str], name: str) -> None:
        unknown = set(scopes) - set(SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes {sorted(unknown)} (known: {', '.join(SCOPES)})")
        self.records.put_api_key(hash_key(key), tenant, tuple(scopes), name)

    def authenticate_hash(self, key_hash: str) -> Principal:
        """The principal of a stored key hash (login sessions carry the hash, not the key)."""
        found = self.records.get_api_key(key_hash)
        if found is None:
            raise Unauthorized("the key of this session was revoked: log in again")
        tenant, scopes, name = found
        return Principal(tenant, scopes, name)

    def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        found = self.records.get_api_key(hash_key(key))
        if found is None:
            raise Unauthorized("invalid API key")
        tenant, scopes, name = found
        return Principal(tenant, scopes, name)
