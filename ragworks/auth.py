"""API keys: a key maps to a tenant and scopes; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ragworks.errors import Forbidden, NotFound, Unauthorized
from ragworks.storage import RecordStore

KEY_PREFIX = "rw_"
KEY_ID_LEN = 12
#: "review" may send category corrections, which train the classifier
SCOPES = ("query", "ingest", "review", "admin")


@dataclass(frozen=True)
class Principal:
    tenant: str
    scopes: tuple[str, ...]
    key_name: str
    #: the key's id (the start of its hash): names the caller where names may repeat
    key_id: str = ""

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise Forbidden(f"this API key lacks the {scope!r} scope")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id(key: str) -> str:
    """A key's id: the first 12 hex digits of its hash. Names may repeat; ids do not."""
    return hash_key(key)[:KEY_ID_LEN]


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

    def list(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's keys, each by its id (the first 12 hex digits of its hash; the key
        itself is never stored)."""
        return [{"id": k["key_hash"][:KEY_ID_LEN], "name": k["name"], "scopes": k["scopes"],
                 "created_at": k["created_at"]} for k in self.records.list_api_keys(tenant)]

    def revoke(self, tenant: str, key_id: str) -> dict[str, Any]:
        """Revoke the tenant's key with this id: it and its login sessions stop working."""
        if len(key_id) < 8 or not all(c in "0123456789abcdef" for c in key_id):
            raise NotFound(f"no API key {key_id!r} (an id is 12 hex digits: `ragworks keys "
                           "list`)")
        found = [k for k in self.records.list_api_keys(tenant)
                 if k["key_hash"].startswith(key_id)]
        if len(found) != 1:
            raise NotFound(f"no API key {key_id!r} in tenant {tenant!r}")
        self.records.delete_api_key(found[0]["key_hash"])
        return {"id": found[0]["key_hash"][:KEY_ID_LEN], "name": found[0]["name"],
                "revoked": True}

    def authenticate_hash(self, key_hash: str) -> Principal:
        """The principal of a stored key hash (login sessions carry the hash, not the key)."""
        found = self.records.get_api_key(key_hash)
        if found is None:
            raise Unauthorized("the key of this session was revoked: log in again")
        tenant, scopes, name = found
        return Principal(tenant, scopes, name, key_hash[:KEY_ID_LEN])

    def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
        key_hash = hash_key(key)
        found = self.records.get_api_key(key_hash)
        if found is None:
            raise Unauthorized("invalid API key")
        tenant, scopes, name = found
        return Principal(tenant, scopes, name, key_hash[:KEY_ID_LEN])
