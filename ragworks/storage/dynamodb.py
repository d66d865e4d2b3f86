"""Record store on Amazon DynamoDB: documents and API keys in one on-demand table.

    DynamoRecordStore("dynamodb://ragworks-prod")   # table ragworks-prod-records

Item layout (pk, sk):

- document: ``T#tenant`` / ``DOC#id``; indexed by gsi1 (``T#tenant#C#collection#S#source``,
  created_at: the newest version of a source), gsi2 (``T#tenant#C#collection``,
  ``source#id``) and gsi3 (``T#tenant#DOCS``, ``source#id``): listings in order;
- counters: ``T#tenant`` / ``COUNT#`` and ``COUNT#collection``;
- tenants: ``TENANTS`` / ``T#tenant``;
- API keys: ``KEY#sha256`` / ``KEY``.

- Inserting a document is one transaction: the item under ``attribute_not_exists``
  (two writers of the same content make one document; the loser gets False) and the
  counters with ADD, so counts never drift. Deletion is the mirror image.
- Every request path is a GetItem or a Query on a key or an index: no scans.
- Throttling is retried by botocore's standard mode with backoff; BatchWriteItem's
  unprocessed items are retried with exponential backoff (``batch_write``).
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ragworks.models import Document

GSIS = ("gsi1", "gsi2", "gsi3")


def _client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodb", config=Config(retries={"mode": "standard",
                                                            "max_attempts": 8}))


def batch_write(client: Any, table: str, requests: list[dict[str, Any]],
                attempts: int = 8, backoff_s: float = 0.05) -> None:
    """BatchWriteItem in slices of 25, retrying unprocessed items with backoff."""
    for start in range(0, len(requests), 25):
        pending = requests[start:start + 25]
        delay = backoff_s
        for _ in range(attempts):
            resp = client.batch_write_item(RequestItems={table: pending})
            pending = resp.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                break
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        else:
            raise RuntimeError(f"{len(pending)} items still unprocessed after {attempts} tries")


def query_items(client: Any, table: str, pk: str, prefix: str = "", newest_first: bool = False,
                limit: int | None = None) -> list[dict[str, Any]]:
    """Items of one partition (whose sort key starts with ``prefix``), following pages."""
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table, "ScanIndexForward": not newest_first,
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)" if prefix else "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": pk}, **({":s": {"S": prefix}} if prefix
                                                          else {})}}
    while True:
        if limit:
            kwargs["Limit"] = limit - len(out)
        resp = client.query(**kwargs)
        out += resp.get("Items", [])
        if "LastEvaluatedKey" not in resp or (limit and len(out) >= limit):
            return out
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def pack(value: Any) -> dict[str, bytes]:
    """A JSON value as a zlib-compressed binary attribute (boto3 base64-encodes it)."""
    return {"B": zlib.compress(json.dumps(value).encode())}


def unpack(attr: dict[str, Any]) -> Any:
    return json.loads(zlib.decompress(attr["B"]))


class DynamoTable:
    """The records table as the stores beside the records use it (runs, datasets,
    experiments): consistent single-item reads and queries of one partition."""

    def __init__(self, records: DynamoRecordStore) -> None:
        self.db, self.table = records.db, records.table

    def query(self, pk: str, prefix: str, newest_first: bool = False,
              limit: int | None = None) -> list[dict[str, Any]]:
        return query_items(self.db, self.table, pk, prefix, newest_first, limit)

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.db.get_item(
            TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ConsistentRead=True).get("Item")
        return item

    def merge(self, pk: str, sk: str, fields: dict[str, Any]) -> None:
        """Merge ``fields`` into the item's JSON ``data`` (a missing item stays missing):
        read-modify-write, conditional on the data read, retried when another writer won."""
        for _ in range(10):
            item = self.get(pk, sk)
            if item is None:
                return
            new = {**json.loads(item["data"]["S"]), **fields}
            try:
                self.db.update_item(
                    TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": sk}},
                    UpdateExpression="SET #d = :new", ConditionExpression="#d = :old",
                    ExpressionAttributeNames={"#d": "data"},
                    ExpressionAttributeValues={":old": item["data"],
                                               ":new": {"S": json.dumps(new)}})
                return
            except self.db.exceptions.ConditionalCheckFailedException:
                continue


class DynamoRecordStore:
    local = False  # every lookup is a round trip to DynamoDB

    def __init__(self, spec: str, client: Any = None, create: bool = True) -> None:
        prefix = spec.removeprefix("dynamodb://").strip("/")
        if not prefix:
            raise ValueError(f"expected dynamodb://TABLE_PREFIX, not {spec!r}")
        self.table = f"{prefix}-records"
        self.db = client or _client()
        if create:
            self.ensure_table()

    def ensure_table(self) -> None:
        """Create the table (on demand, with its indexes) when it does not exist: for
        development and tests; Terraform creates it in AWS."""
        try:
            self.db.describe_table(TableName=self.table)
            return
        except self.db.exceptions.ResourceNotFoundException:
            pass
        attrs = [("pk", "S"), ("sk", "S"), ("gsi1pk", "S"), ("gsi1sk", "N"),
                 ("gsi2pk", "S"), ("gsi2sk", "S"), ("gsi3pk", "S"), ("gsi3sk", "S")]
        try:
            self.db.create_table(
                TableName=self.table, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": n, "AttributeType": t}
                                      for n, t in attrs],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                GlobalSecondaryIndexes=[
                    {"IndexName": g, "Projection": {"ProjectionType": "ALL"},
                     "KeySchema": [{"AttributeName": f"{g}pk", "KeyType": "HASH"},
                                   {"AttributeName": f"{g}sk", "KeyType": "RANGE"}]}
                    for g in GSIS],
                SSESpecification={"Enabled": True})
        except self.db.exceptions.ResourceInUseException:
            pass  # another process created it
        self.db.get_waiter("table_exists").wait(TableName=self.table)

    # -- documents -----------------------------------------------------------------------
    @staticmethod
    def _item(doc: Document) -> dict[str, Any]:
        t, c = doc.tenant, doc.collection
        return {
            "pk": {"S": f"T#{t}"}, "sk": {"S": f"DOC#{doc.id}"},
            "gsi1pk": {"S": f"T#{t}#C#{c}#S#{doc.source}"}, "gsi1sk": {"N": repr(doc.created_at)},
            "gsi2pk": {"S": f"T#{t}#C#{c}"}, "gsi2sk": {"S": f"{doc.source}#{doc.id}"},
            "gsi3pk": {"S": f"T#{t}#DOCS"}, "gsi3sk": {"S": f"{doc.source}#{doc.id}"},
            "id": {"S": doc.id}, "tenant": {"S": t}, "collection": {"S": c},
            "source": {"S": doc.source}, "title": {"S": doc.title},
            "media_type": {"S": doc.media_type}, "content_hash": {"S": doc.content_hash},
            "size_bytes": {"N": str(doc.size_bytes)}, "chunk_count": {"N": str(doc.chunk_count)},
            "created_at": {"N": repr(doc.created_at)},
            "flags": {"S": json.dumps(list(doc.flags))},
        }

    @staticmethod
    def _doc(item: dict[str, Any]) -> Document:
        return Document(
            id=item["id"]["S"], tenant=item["tenant"]["S"], collection=item["collection"]["S"],
            source=item["source"]["S"], title=item["title"]["S"],
            media_type=item["media_type"]["S"], content_hash=item["content_hash"]["S"],
            size_bytes=int(item["size_bytes"]["N"]), chunk_count=int(item["chunk_count"]["N"]),
            created_at=float(Decimal(item["created_at"]["N"])),
            flags=tuple(json.loads(item.get("flags", {}).get("S", "[]"))))

    def _counters(self, tenant: str, collection: str, delta: int) -> list[dict[str, Any]]:
        updates = [{"Update": {"TableName": self.table, "Key": {
            "pk": {"S": f"T#{tenant}"}, "sk": {"S": sk}},
            "UpdateExpression": "ADD n :d", "ExpressionAttributeValues": {
                ":d": {"N": str(delta)}}}} for sk in ("COUNT#", f"COUNT#{collection}")]
        updates.append({"Update": {"TableName": self.table, "Key": {
            "pk": {"S": "TENANTS"}, "sk": {"S": f"T#{tenant}"}},
            "UpdateExpression": "ADD n :d", "ExpressionAttributeValues": {
                ":d": {"N": str(delta)}}}})
        return updates

    def insert_document(self, doc: Document) -> bool:
        try:
            self.db.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table, "Item": self._item(doc),
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                *self._counters(doc.tenant, doc.collection, 1)])
            return True
        except self.db.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False
            raise

    def get_document(self, tenant: str, doc_id: str) -> Document | None:
        item = self.db.get_item(TableName=self.table, Key={
            "pk": {"S": f"T#{tenant}"}, "sk": {"S": f"DOC#{doc_id}"}},
            ConsistentRead=True).get("Item")
        return self._doc(item) if item else None

    def find_by_source(self, tenant: str, collection: str, source: str) -> Document | None:
        items = self.db.query(
            TableName=self.table, IndexName="gsi1", Limit=1, ScanIndexForward=False,
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": f"T#{tenant}#C#{collection}#S#{source}"}},
        ).get("Items", [])
        return self._doc(items[0]) if items else None

    def versions_of(self, tenant: str, collection: str, source: str) -> list[Document]:
        items = self.db.query(
            TableName=self.table, IndexName="gsi1", ScanIndexForward=False,
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": f"T#{tenant}#C#{collection}#S#{source}"}},
        ).get("Items", [])
        return [self._doc(i) for i in items]

    def list_documents(self, tenant: str, collection: str | None = None, limit: int = 100,
                       offset: int = 0) -> list[Document]:
        """Ordered by source, then id. Offsets are read through (keep them small)."""
        index, key = (("gsi2", f"T#{tenant}#C#{collection}") if collection is not None
                      else ("gsi3", f"T#{tenant}#DOCS"))
        out: list[Document] = []
        skipped, start = 0, None
        while len(out) < limit:
            kwargs: dict[str, Any] = {"TableName": self.table, "IndexName": index,
                                      "KeyConditionExpression": f"{index}pk = :p",
                                      "ExpressionAttributeValues": {":p": {"S": key}},
                                      "Limit": min(1000, offset - skipped + limit)}
            if start:
                kwargs["ExclusiveStartKey"] = start
            resp = self.db.query(**kwargs)
            for item in resp.get("Items", []):
                if skipped < offset:
                    skipped += 1
                elif len(out) < limit:
                    out.append(self._doc(item))
            start = resp.get("LastEvaluatedKey")
            if not start:
                break
        return out

    def count_documents(self, tenant: str, collection: str | None = None) -> int:
        sk = "COUNT#" if collection is None else f"COUNT#{collection}"
        item = self.db.get_item(TableName=self.table, Key={
            "pk": {"S": f"T#{tenant}"}, "sk": {"S": sk}}, ConsistentRead=True).get("Item")
        return int(item["n"]["N"]) if item else 0

    def tenants(self) -> list[str]:
        items = self.db.query(TableName=self.table, KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": {"S": "TENANTS"}}
                              ).get("Items", [])
        return [i["sk"]["S"].removeprefix("T#") for i in items if int(i["n"]["N"]) > 0]

    def delete_document(self, tenant: str, doc_id: str) -> bool:
        doc = self.get_document(tenant, doc_id)
        if doc is None:
            return False
        try:
            self.db.transact_write_items(TransactItems=[
                {"Delete": {"TableName": self.table, "Key": {
                    "pk": {"S": f"T#{tenant}"}, "sk": {"S": f"DOC#{doc_id}"}},
                    "ConditionExpression": "attribute_exists(pk)"}},
                *self._counters(tenant, doc.collection, -1)])
            return True
        except self.db.exceptions.TransactionCanceledException:
            return False  # another writer deleted it first

    # -- API keys ------------------------------------------------------------------------
    def put_api_key(self, key_hash: str, tenant: str, scopes: Sequence[str], name: str) -> None:
        """Two items in one transaction: the lookup by hash, and the tenant's listing."""
        old = self.get_api_key(key_hash)
        body = {"tenant": {"S": tenant}, "scopes": {"L": [{"S": s} for s in scopes]},
                "name": {"S": name}, "created_at": {"N": repr(time.time())}}
        items = [{"Put": {"TableName": self.table, "Item": {
                     "pk": {"S": f"KEY#{key_hash}"}, "sk": {"S": "KEY"}, **body}}},
                 {"Put": {"TableName": self.table, "Item": {
                     "pk": {"S": f"T#{tenant}"}, "sk": {"S": f"APIKEY#{key_hash}"}, **body}}}]
        if old is not None and old[0] != tenant:  # moved to another tenant
            items.append({"Delete": {"TableName": self.table, "Key": {
                "pk": {"S": f"T#{old[0]}"}, "sk": {"S": f"APIKEY#{key_hash}"}}}})
        self.db.transact_write_items(TransactItems=items)

    def list_api_keys(self, tenant: str) -> list[dict[str, Any]]:
        out, start = [], None
        while True:
            page = self.db.query(TableName=self.table, **({"ExclusiveStartKey": start}
                                                         if start else {}),
                                 KeyConditionExpression="pk = :p AND begins_with(sk, :k)",
                                 ExpressionAttributeValues={":p": {"S": f"T#{tenant}"},
                                                            ":k": {"S": "APIKEY#"}})
            out += [{"key_hash": i["sk"]["S"].removeprefix("APIKEY#"), "name": i["name"]["S"],
                     "scopes": [x["S"] for x in i["scopes"]["L"]],
                     "created_at": float(i["created_at"]["N"])} for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
            if not start:
                return sorted(out, key=lambda k: (k["created_at"], k["key_hash"]))

    def delete_api_key(self, key_hash: str) -> bool:
        found = self.get_api_key(key_hash)
        if found is None:
            return False
        self.db.transact_write_items(TransactItems=[
            {"Delete": {"TableName": self.table, "Key": {
                "pk": {"S": f"KEY#{key_hash}"}, "sk": {"S": "KEY"}}}},
            {"Delete": {"TableName": self.table, "Key": {
                "pk": {"S": f"T#{found[0]}"}, "sk": {"S": f"APIKEY#{key_hash}"}}}}])
        return True

    def revoke_session(self, session_id: str, expires: float) -> None:
        # "expires" doubles as the table's TTL attribute where TTL is enabled
        self.db.put_item(TableName=self.table, Item={
            "pk": {"S": f"SESSION#{session_id}"}, "sk": {"S": "REVOKED"},
            "expires": {"N": str(int(expires) + 1)}})

    def session_revoked(self, session_id: str) -> bool:
        item = self.db.get_item(TableName=self.table, Key={
            "pk": {"S": f"SESSION#{session_id}"}, "sk": {"S": "REVOKED"}}).get("Item")
        return item is not None and float(item["expires"]["N"]) >= time.time()

    def get_api_key(self, key_hash: str) -> tuple[str, tuple[str, ...], str] | None:
        item = self.db.get_item(TableName=self.table, Key={
            "pk": {"S": f"KEY#{key_hash}"}, "sk": {"S": "KEY"}}).get("Item")
        if item is None:
            return None
        return item["tenant"]["S"], tuple(s["S"] for s in item["scopes"]["L"]), item["name"]["S"]

    def check(self) -> dict[str, Any]:
        """For `ragworks doctor`: the table exists, its status and indexes."""
        t = self.db.describe_table(TableName=self.table)["Table"]
        return {"table": self.table, "status": t["TableStatus"],
                "indexes": sorted(g["IndexName"] for g in t.get("GlobalSecondaryIndexes", []))}

    def close(self) -> None:
        pass
