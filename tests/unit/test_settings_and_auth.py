from pathlib import Path

import pytest

from ragworks.auth import Keyring, hash_key
from ragworks.errors import Forbidden, Unauthorized
from ragworks.settings import DEFAULT_DEV_KEY, Settings, UnsafeConfiguration
from ragworks.storage import open_record_store


def test_production_refuses_default_or_missing_keys(tmp_path: Path) -> None:
    for key in ("", DEFAULT_DEV_KEY, "short"):
        with pytest.raises(UnsafeConfiguration):
            Settings(env="production", data_dir=tmp_path, bootstrap_api_key=key).check_safe()
    Settings(env="production", data_dir=tmp_path, bootstrap_api_key="k" * 32).check_safe()


def test_keys_are_stored_hashed(tmp_path: Path) -> None:
    store = open_record_store(f"sqlite:///{tmp_path}/r.db")
    ring = Keyring(store)
    key = ring.create("acme", ["query"], "reader")
    assert store.get_api_key(key) is None and store.get_api_key(hash_key(key))
    who = ring.authenticate(key)
    assert who.tenant == "acme"
    who.require("query")
    with pytest.raises(Forbidden):
        who.require("ingest")
    with pytest.raises(Unauthorized):
        ring.authenticate("rw_wrong")
    with pytest.raises(ValueError):
        ring.create("acme", ["root"], "bad")
