"""RecordStore contract: the same tests on SQLite and on DynamoDB (moto's server on loopback).

Faults on DynamoDB: throttling answered by the server (botocore retries it), a
conditional-check failure (two writers of one document), and BatchWriteItem's
unprocessed items (retried with backoff).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ragworks.storage import RecordStore, open_record_store
from ragworks.testing.record_store import RecordStoreContract, make_document
from tests.conftest import AWS


class TestRecordStore(RecordStoreContract):
    @pytest.fixture(params=["sqlite", "dynamodb"])
    def store(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordStore]:
        if request.param == "sqlite":
            s = open_record_store(f"sqlite:///{tmp_path}/r.db")
        else:
            request.getfixturevalue("aws")
            s = open_record_store(f"dynamodb://rw-{secrets.token_hex(4)}")
        yield s
        s.close()

    def test_only_a_store_on_this_machine_says_it_is_local(self, store: RecordStore) -> None:
        # the web server checks keys on its event loop only for a local store: a lookup
        # that crosses the network must not stall every other request
        from ragworks.storage.sqlite import SQLiteRecordStore

        assert store.local is isinstance(store, SQLiteRecordStore)


def test_dynamodb_throttling_is_retried(aws: AWS) -> None:
    from botocore.awsrequest import AWSResponse

    from ragworks.storage.dynamodb import DynamoRecordStore

    store = DynamoRecordStore(f"dynamodb://rw-{secrets.token_hex(4)}")
    throttled = {"n": 0}

    class Raw:
        status = 400

        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b""

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        if "GetItem" in str(request.headers.get("X-Amz-Target", "")) and throttled["n"] < 2:
            throttled["n"] += 1
            body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",' \
                   b'"message":"Rate exceeded"}'
            resp = AWSResponse(request.url, 400, {"x-amzn-ErrorType": "ThrottlingException"},
                               Raw())
            resp._content = body  # type: ignore[attr-defined]
            return resp
        return None

    store.db.meta.events.register("before-send.dynamodb.GetItem", throttle)
    store.insert_document(make_document(1))
    assert store.get_document("acme", "d001") == make_document(1)  # after two throttled tries
    assert throttled["n"] == 2


def test_batch_write_retries_unprocessed_items(aws: AWS) -> None:
    from ragworks.storage.dynamodb import DynamoRecordStore, batch_write

    store = DynamoRecordStore(f"dynamodb://rw-{secrets.token_hex(4)}")
    real = store.db
    calls = {"n": 0}

    class Flaky:  # the real client, but the first answer leaves half the items unprocessed
        def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
            calls["n"] += 1
            (table, requests), = RequestItems.items()
            if calls["n"] == 1:
                real.batch_write_item(RequestItems={table: requests[:10]})
                return {"UnprocessedItems": {table: requests[10:]}}
            return real.batch_write_item(RequestItems=RequestItems)

    requests = [{"PutRequest": {"Item": {"pk": {"S": f"X#{i}"}, "sk": {"S": "X"}}}}
                for i in range(40)]
    batch_write(Flaky(), store.table, requests, backoff_s=0.01)
    assert calls["n"] == 3  # 25 (15 unprocessed, retried) + 15
    found = sum(1 for i in range(40) if real.get_item(
        TableName=store.table, Key={"pk": {"S": f"X#{i}"}, "sk": {"S": "X"}}).get("Item"))
    assert found == 40
