"""/api/v1/keys: list, create and revoke the tenant's API keys (admin scope)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ragworks.api.deps import admin_caller, services_dep
from ragworks.api.responses import KeyList, KeyRevoked, NewKeyCreated
from ragworks.auth import SCOPES, Principal, key_id
from ragworks.errors import BadInput
from ragworks.services import Services

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


class NewKey(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(default=["query"], min_length=1, max_length=len(SCOPES))


@router.get("", response_model=KeyList)
def list_keys(who: Principal = Depends(admin_caller),
              svc: Services = Depends(services_dep)) -> dict:
    """The tenant's keys by id, name and scopes (a key itself is shown only once)."""
    return {"keys": svc.keys.list(who.tenant)}


@router.post("", status_code=201, response_model=NewKeyCreated)
def create_key(body: NewKey, who: Principal = Depends(admin_caller),
               svc: Services = Depends(services_dep)) -> dict:
    """A new key for the caller's tenant; the answer is the only time it is shown."""
    try:
        key = svc.keys.create(who.tenant, body.scopes, body.name)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    # the id of this key, never looked up by name: names may repeat
    return {"key": key, "id": key_id(key), "name": body.name, "scopes": body.scopes}


@router.delete("/{key_id}", response_model=KeyRevoked)
def revoke_key(key_id: str, who: Principal = Depends(admin_caller),
               svc: Services = Depends(services_dep)) -> dict:
    """Revoke a key: requests with it and login sessions made with it stop at once."""
    return svc.keys.revoke(who.tenant, key_id)
