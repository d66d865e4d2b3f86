"""Traces, scores, feedback, rollups and query-vector sums on DynamoDB (the records table).

``RAGWORKS_TRACE_STORE=dynamodb://PREFIX`` (with the record store on the same prefix).
The same methods as the SQLite trace store; a contract test runs both.

- trace: ``TR#tenant`` / ``start#id`` (summary, observations zlib-packed, ``expires_at``
  for DynamoDB's TTL, which replaces the retention job) and a lookup ``TRID#tenant#id``;
- score: ``TRS#tenant#trace`` / score id; for experiment traces also
  ``VS#tenant#exp#name`` / score id, and the trace under ``VR#tenant#exp`` / ``start#id``;
- feedback: ``FB#tenant#trace`` / user, and ``FBT#tenant`` / ``updated#trace#user`` for
  "latest feedback" and corrections (the old time item is removed on update);
- rollups: ``RM#tenant`` / ``minute#series`` and ``RH#tenant`` / ``hour#series``. Points
  are buffered in the process and flushed every ``flush_s`` with atomic ADDs (counts, sums,
  histogram buckets) plus conditional min/max updates: one write per series and minute
  per flush instead of one per trace;
- query vectors: ``QV#tenant`` / hour, a read-modify-write with a version condition,
  retried when another process wrote first.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import structlog

from ragworks.observe.model import Score, Trace
from ragworks.observe.rollups import (
    WIDTHS,
    Cell,
    bounds_for,
    score_points,
    trace_points,
    traffic,
)
from ragworks.observe.store import (
    RollupRow,
    TraceFilter,
    erase_in,
    forget_in,
    retrieved_docs,
    search_words,
    searchable,
    shingles,
)
from ragworks.storage.dynamodb import DynamoRecordStore, batch_write, pack, query_items, unpack

log = structlog.get_logger(__name__)


def _n(value: float) -> dict[str, str]:
    return {"N": str(Decimal(repr(float(value))))}


class DynamoTraceStore:
    def __init__(self, records: DynamoRecordStore, retention_days: float = 30.0,
                 flush_s: float = 2.0) -> None:
        self.db, self.table = records.db, records.table
        self.retention_s = retention_days * 86400
        self._lock = threading.Lock()
        # (tenant, "RM"|"RH", time, series) -> its totals since the last flush
        self._cells: dict[tuple[str, str, int, str], Cell] = {}
        self._vectors: dict[tuple[str, int], list[Any]] = {}
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_loop, args=(flush_s,), daemon=True,
                                         name="rollup-flush")
        self._flusher.start()

    # -- writes --------------------------------------------------------------------------
    def _put(self, item: dict[str, Any]) -> None:
        self.db.put_item(TableName=self.table, Item=item)

    def save_trace(self, trace: Trace, wait: bool = True) -> None:
        """Written at once whatever ``wait`` says (DynamoDB takes concurrent writes)."""
        t = trace.tenant
        sk = f"{trace.start:017.6f}#{trace.id}"
        summary = trace.summary()
        observations = [o.to_dict() for o in trace.observations]  # once: packed and read
        head = {"pk": {"S": f"TR#{t}"}, "sk": {"S": sk}, "id": {"S": trace.id},
                "name": {"S": trace.name}, "status": {"S": trace.status},
                "category": {"S": trace.category}, "variant": {"S": trace.variant},
                "start": _n(trace.start), "latency_ms": _n(trace.latency_ms),
                "has_feedback": {"N": str(int(any(s.source == "user" for s in trace.scores)))},
                "summary": {"S": json.dumps(summary, default=str)},
                "obs": pack(observations),
                "expires_at": {"N": str(int(trace.start + self.retention_s))}}
        for attr, value in (("user_id", trace.user_id), ("session_id", trace.session_id),
                            ("text", searchable(summary))):
            if value:
                head[attr] = {"S": value}
        docs = retrieved_docs(observations) - {""}
        if docs:  # found again by forget_document without unpacking every trace
            head["docs"] = {"SS": sorted(docs)}
        items = [head, {"pk": {"S": f"TRID#{t}#{trace.id}"}, "sk": {"S": "T"},
                        "ref": {"S": sk}, "expires_at": head["expires_at"]}]
        if trace.variant and "/" in trace.variant:
            exp = trace.variant.split("/", 1)[0]
            items.append({"pk": {"S": f"VR#{t}#{exp}"}, "sk": {"S": sk},
                          "variant": {"S": trace.variant}, "latency_ms": _n(trace.latency_ms),
                          "name": {"S": trace.name}, "summary": head["summary"],
                          "expires_at": head["expires_at"]})
        items += self._score_items(t, trace.scores, trace.variant)
        # one BatchWriteItem per 25 items, unprocessed ones retried with backoff
        batch_write(self.db, self.table, [{"PutRequest": {"Item": i}} for i in items])
        self._buffer(t, trace.start, trace_points(trace))
        if trace.query_vector is not None and traffic(trace) == "production":
            v = np.asarray(trace.query_vector, dtype=np.float64)
            norm = float(np.linalg.norm(v))
            with self._lock:
                cell = self._vectors.setdefault((t, int(trace.start // 3600) * 3600),
                                                [np.zeros_like(v), 0])
                if cell[0].shape == v.shape:
                    cell[0] = cell[0] + (v / norm if norm else v)
                    cell[1] += 1

    def _score_items(self, tenant: str, scores: Sequence[Score],
                     variant: str) -> list[dict[str, Any]]:
        items = []
        for s in scores:
            items.append({"pk": {"S": f"TRS#{tenant}#{s.trace_id}"}, "sk": {"S": s.id},
                          "data": {"S": json.dumps(s.to_dict(), default=str)}})
            if variant and "/" in variant and s.value is not None:
                exp = variant.split("/", 1)[0]
                items.append({"pk": {"S": f"VS#{tenant}#{exp}#{s.name}"}, "sk": {"S": s.id},
                              "variant": {"S": variant}, "value": _n(s.value)})
        return items

    def _head_key(self, tenant: str, trace_id: str) -> dict[str, Any] | None:
        ref = self.db.get_item(TableName=self.table, Key={
            "pk": {"S": f"TRID#{tenant}#{trace_id}"}, "sk": {"S": "T"}}).get("Item")
        return {"pk": {"S": f"TR#{tenant}"}, "sk": ref["ref"]} if ref else None

    def add_scores(self, tenant: str, scores: Sequence[Score], roll_up: bool = True) -> None:
        if not scores:
            return
        key = self._head_key(tenant, scores[0].trace_id)
        variant = ""
        if key is not None:
            head = self.db.get_item(TableName=self.table, Key=key).get("Item") or {}
            variant = head.get("variant", {}).get("S", "")
        batch_write(self.db, self.table, [{"PutRequest": {"Item": i}}
                                          for i in self._score_items(tenant, scores, variant)])
        if key is not None and any(s.source == "user" for s in scores):
            ratings = [json.loads(i["data"]["S"]) for i in query_items(
                self.db, self.table, f"TRS#{tenant}#{scores[0].trace_id}")]
            values = [r["value"] for r in ratings if r["name"] == "user_rating"
                      and r["source"] == "user" and r["value"] is not None]
            update, attrs = "SET has_feedback = :one", {":one": {"N": "1"}}
            if values:
                update += ", rating = :r"
                attrs[":r"] = _n(sum(values) / len(values))
            self.db.update_item(TableName=self.table, Key=key, UpdateExpression=update,
                                ExpressionAttributeValues=attrs)
        if roll_up:
            for s in scores:
                self._buffer(tenant, s.created_at, score_points([s]))

    def upsert_feedback(self, tenant: str, trace_id: str, user_id: str,
                        fields: dict[str, Any]) -> bool:
        now = time.time()
        key = {"pk": {"S": f"FB#{tenant}#{trace_id}"}, "sk": {"S": user_id}}
        old = self.db.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        created_at = float(old["created_at"]["N"]) if old else now
        trace = self.get_trace(tenant, trace_id, light=True) or {}
        # feedback expires with its trace (DynamoDB's TTL removes both)
        expires = {"expires_at": {"N": str(int(float(trace.get("start") or now)
                                               + self.retention_s))}}
        item = {**key, "trace_id": {"S": trace_id}, "user_id": {"S": user_id},
                "fields": {"S": json.dumps(fields)}, "created_at": _n(created_at),
                "updated_at": _n(now), **expires}
        self._put(item)
        if old:  # the "latest feedback" entry moves to the new time
            self.db.delete_item(TableName=self.table, Key={
                "pk": {"S": f"FBT#{tenant}"},
                "sk": {"S": f"{float(old['updated_at']['N']):017.6f}#{trace_id}#{user_id}"}})
        self._put({"pk": {"S": f"FBT#{tenant}"}, "sk": {"S": f"{now:017.6f}#{trace_id}#{user_id}"},
                   "trace_id": {"S": trace_id}, "fields": item["fields"], "at": _n(now),
                   "trace": {"S": json.dumps(trace, default=str)}, **expires})
        return old is None

    def get_feedback(self, tenant: str, trace_id: str, user_id: str) -> dict[str, Any] | None:
        item = self.db.get_item(TableName=self.table, Key={
            "pk": {"S": f"FB#{tenant}#{trace_id}"}, "sk": {"S": user_id}},
            ConsistentRead=True).get("Item")
        if item is None:
            return None
        fields = json.loads(item["fields"]["S"])
        return {"trace_id": trace_id, "user_id": user_id, "rating": fields["rating"],
                "rating_kind": fields["rating_kind"], "comment": fields["comment"],
                "corrected_category": fields["corrected_category"],
                "expected_sources": json.loads(fields["expected_sources"]),
                "created_at": float(item["created_at"]["N"]),
                "updated_at": float(item["updated_at"]["N"])}

    # -- rollup buffer -------------------------------------------------------------------
    def _buffer(self, tenant: str, at: float, points: Sequence[tuple[str, float]]) -> None:
        with self._lock:
            for prefix, (_, width) in zip(("RM", "RH"), WIDTHS, strict=True):
                t = int(at // width) * width
                for series, value in points:
                    self._cells.setdefault((tenant, prefix, t, series), Cell()).point(
                        series, value)

    def flush(self) -> None:
        """Write the buffered rollups and vector sums (also every ``flush_s`` seconds)."""
        with self._lock:
            cells, self._cells = self._cells, {}
            vectors, self._vectors = self._vectors, {}
        for (tenant, prefix, t, series), cell in cells.items():
            key = {"pk": {"S": f"{prefix}#{tenant}"}, "sk": {"S": f"{t:012d}#{series}"}}
            filled = {i: n for i, n in enumerate(cell.buckets) if n}
            adds = ["c :c", "s :s"] + [f"b{i} :b{i}" for i in filled]
            values = {":c": {"N": str(cell.count)}, ":s": _n(cell.sum),
                      **{f":b{i}": {"N": str(n)} for i, n in filled.items()}}
            self.db.update_item(TableName=self.table, Key=key,
                                UpdateExpression="ADD " + ", ".join(adds),
                                ExpressionAttributeValues=values)
            for attr, value, op in (("mn", cell.min, ">"), ("mx", cell.max, "<")):
                try:
                    self.db.update_item(
                        TableName=self.table, Key=key, UpdateExpression=f"SET {attr} = :v",
                        ConditionExpression=f"attribute_not_exists({attr}) OR {attr} {op} :v",
                        ExpressionAttributeValues={":v": _n(value)})
                except self.db.exceptions.ConditionalCheckFailedException:
                    pass  # the stored one is already smaller (larger)
        for (tenant, hour), (vec, count) in vectors.items():
            self._add_vector(tenant, hour, vec, count)

    def _add_vector(self, tenant: str, hour: int, vec: np.ndarray, count: int) -> None:
        key = {"pk": {"S": f"QV#{tenant}"}, "sk": {"S": f"{hour:012d}"}}
        for _ in range(10):
            item = self.db.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
            version = int(item["version"]["N"]) if item else 0
            total, n = vec, count
            if item:
                old = np.frombuffer(item["sum"]["B"], dtype=np.float64)
                if old.shape == vec.shape:
                    total, n = old + vec, int(item["count"]["N"]) + count
            try:
                self.db.put_item(
                    TableName=self.table, Item={**key, "sum": {"B": total.tobytes()},
                                                "count": {"N": str(n)},
                                                "version": {"N": str(version + 1)}},
                    ConditionExpression="attribute_not_exists(pk)" if not item
                    else "version = :v",
                    **({"ExpressionAttributeValues": {":v": {"N": str(version)}}} if item
                       else {}))
                return
            except self.db.exceptions.ConditionalCheckFailedException:
                continue  # another process added first: add onto theirs
        log.error("query_vector_lost", tenant=tenant, hour=hour)

    def _flush_loop(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the next flush tries again
                log.exception("rollup_flush_failed")

    # -- reads ---------------------------------------------------------------------------
    def get_trace(self, tenant: str, trace_id: str, light: bool = False) -> dict[str, Any] | None:
        key = self._head_key(tenant, trace_id)
        head = self.db.get_item(TableName=self.table, Key=key).get("Item") if key else None
        if head is None:
            return None
        trace = json.loads(head["summary"]["S"])
        trace["has_feedback"] = head["has_feedback"]["N"] == "1"
        trace["rating"] = float(head["rating"]["N"]) if "rating" in head else None
        if light:
            return trace
        trace["observations"] = sorted(unpack(head["obs"]), key=lambda o: o["start"])
        scores = [json.loads(i["data"]["S"]) for i in query_items(
            self.db, self.table, f"TRS#{tenant}#{trace_id}")]
        trace["scores"] = sorted(scores, key=lambda s: s["created_at"])
        return trace

    def list_traces(self, tenant: str, f: TraceFilter, limit: int = 50,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Newest first, filtered; the total counts every match (a read of the range)."""
        lo = f"{f.since:017.6f}" if f.since is not None else "0"
        hi = f"{f.until:017.6f}" if f.until is not None else "~"
        conds, names, values = [], {}, {":p": {"S": f"TR#{tenant}"}, ":lo": {"S": lo},
                                         ":hi": {"S": hi}}
        for attr, op, value in (("category", "=", f.category), ("variant", "=", f.variant),
                                ("status", "=", f.status), ("name", "=", f.name),
                                ("latency_ms", ">=", f.min_latency_ms),
                                ("latency_ms", "<=", f.max_latency_ms),
                                ("user_id", "=", f.user_id),
                                ("session_id", "=", f.session_id)):
            if value is not None:
                n = len(values)
                names[f"#a{n}"] = attr
                values[f":v{n}"] = _n(value) if isinstance(value, float | int) \
                    else {"S": str(value)}
                conds.append(f"#a{n} {op} :v{n}")
        if f.has_feedback is not None:
            values[":hf"] = {"N": str(int(f.has_feedback))}
            conds.append("has_feedback = :hf")
        if f.rating is not None:
            values[":half"] = {"N": "0.5"}
            conds.append("rating >= :half" if f.rating == "up" else "rating < :half")
        for n, word in enumerate(search_words(f.text)):
            values[f":w{n}"] = {"S": word}
            conds.append(f"contains(#text, :w{n})")
            names["#text"] = "text"
        kwargs: dict[str, Any] = {
            "TableName": self.table, "ScanIndexForward": False,
            "KeyConditionExpression": "pk = :p AND sk BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": values,
            "ProjectionExpression": "summary, has_feedback, rating"}
        if conds:
            kwargs["FilterExpression"] = " AND ".join(conds)
        if names:
            kwargs["ExpressionAttributeNames"] = names
        rows, total = [], 0
        while True:
            resp = self.db.query(**kwargs)
            for item in resp.get("Items", []):
                if offset <= total < offset + limit:
                    row = json.loads(item["summary"]["S"])
                    row["has_feedback"] = item["has_feedback"]["N"] == "1"
                    row["rating"] = float(item["rating"]["N"]) if "rating" in item else None
                    rows.append(row)
                total += 1
            if "LastEvaluatedKey" not in resp:
                return rows, total
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def rollup_rows(self, tenant: str, since: float, until: float, prefixes: Sequence[str],
                    hourly: bool = False) -> Iterator[RollupRow]:
        width = 3600 if hourly else 60
        start = int(since // width) * width
        wanted = tuple(prefixes)
        resp_items = self.db.get_paginator("query").paginate(
            TableName=self.table, KeyConditionExpression="pk = :p AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":p": {"S": f"{'RH' if hourly else 'RM'}#{tenant}"},
                                       ":lo": {"S": f"{start:012d}#"},
                                       ":hi": {"S": f"{int(until) - 1:012d}#~"}})
        for page in resp_items:
            for item in page.get("Items", []):
                t, _, series = item["sk"]["S"].partition("#")
                if not series.startswith(wanted) or int(t) >= until:
                    continue
                bounds = bounds_for(series)
                buckets = [int(item.get(f"b{i}", {"N": "0"})["N"])
                           for i in range(len(bounds) + 1)] if bounds else []
                yield (series, int(t), int(item["c"]["N"]), float(item["s"]["N"]),
                       float(item.get("mn", {"N": "0"})["N"]),
                       float(item.get("mx", {"N": "0"})["N"]), buckets)

    def query_vectors(self, tenant: str, since: float,
                      until: float | None = None) -> list[tuple[int, int, np.ndarray]]:
        out = []
        for item in query_items(self.db, self.table, f"QV#{tenant}"):
            hour = int(item["sk"]["S"])
            if hour >= int(since // 3600) * 3600 and hour < (until or 1e12):
                out.append((hour, int(item["count"]["N"]),
                            np.frombuffer(item["sum"]["B"], dtype=np.float64)))
        return out

    def _latest_feedback(self, tenant: str) -> Iterator[dict[str, Any]]:
        for item in query_items(self.db, self.table, f"FBT#{tenant}", newest_first=True):
            yield {"trace_id": item["trace_id"]["S"], "fields": json.loads(item["fields"]["S"]),
                   "at": float(item["at"]["N"]), "trace": json.loads(item["trace"]["S"])}

    def recent_feedback(self, tenant: str, limit: int = 20) -> list[dict[str, Any]]:
        out = []
        for fb in self._latest_feedback(tenant):
            f, t = fb["fields"], fb["trace"]
            out.append({"trace_id": fb["trace_id"], "rating": f["rating"],
                        "kind": f["rating_kind"], "comment": f["comment"],
                        "corrected_category": f["corrected_category"], "at": fb["at"],
                        "question": (t.get("input") or {}).get("question", ""),
                        "answer": (t.get("output") or {}).get("answer", ""),
                        "category": t.get("category", "")})
            if len(out) >= limit:
                break
        return out

    def corrections(self, tenant: str) -> list[tuple[str, str]]:
        out = []
        for fb in self._latest_feedback(tenant):
            question = (fb["trace"].get("input") or {}).get("question")
            if fb["fields"]["corrected_category"] and question:
                out.append((question, fb["fields"]["corrected_category"]))
        return out

    def answered(self, tenant: str, since: float, until: float | None = None,
                 thumbs_down_only: bool = True) -> list[dict[str, Any]]:
        if thumbs_down_only:  # from the feedback entries: rated thumbs down
            seen, out = set(), []
            for fb in self._latest_feedback(tenant):
                t = fb["trace"]
                start = float(t.get("start") or 0)
                if (fb["fields"]["rating_kind"] == "thumbs" and fb["fields"]["rating"] < 0.5
                        and t.get("name") == "query" and start >= since
                        and (until is None or start < until) and fb["trace_id"] not in seen):
                    seen.add(fb["trace_id"])
                    out.append(t)
            return out
        rows, _ = self.list_traces(tenant, TraceFilter(since=since, until=until, name="query"),
                                   limit=100_000)
        return rows

    def variant_rows(self, tenant: str, exp_id: str) -> list[tuple[str, float, str]]:
        return [(i["variant"]["S"].split("/", 1)[1], float(i["latency_ms"]["N"]),
                 i["summary"]["S"]) for i in query_items(self.db, self.table,
                                                         f"VR#{tenant}#{exp_id}")
                if i["name"]["S"] == "query"]

    def variant_scores(self, tenant: str, exp_id: str, name: str) -> list[tuple[str, float]]:
        return [(i["variant"]["S"].split("/", 1)[1], float(i["value"]["N"]))
                for i in query_items(self.db, self.table, f"VS#{tenant}#{exp_id}#{name}")]

    def forget_document(self, tenant: str, doc_id: str, erase: Sequence[str] = ()) -> int:
        marks = shingles(erase)
        kwargs: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": "pk = :p",
            "FilterExpression": "contains(docs, :d)",
            "ProjectionExpression": "pk, sk, obs, summary, variant",
            "ExpressionAttributeValues": {":p": {"S": f"TR#{tenant}"}, ":d": {"S": doc_id}}}
        changed = 0
        while True:
            resp = self.db.query(**kwargs)
            for item in resp.get("Items", []):
                observations = unpack(item["obs"])
                summary = json.loads(item["summary"]["S"])
                forgot = forget_in(observations, doc_id)
                erased = bool(marks) and erase_in(summary, observations, marks)
                if not (forgot or erased):
                    continue
                values: dict[str, Any] = {":o": pack(observations)}
                update = "SET obs = :o"
                if erased:
                    values.update({":s": {"S": json.dumps(summary, default=str)},
                                   ":t": {"S": searchable(summary) or " "}})
                    update += ", summary = :s, #text = :t"
                self.db.update_item(
                    TableName=self.table, Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression=update, ExpressionAttributeValues=values,
                    **({"ExpressionAttributeNames": {"#text": "text"}} if erased else {}))
                variant = item.get("variant", {}).get("S", "")
                if erased and "/" in variant:  # the experiment's copy of the summary
                    self.db.update_item(
                        TableName=self.table,
                        Key={"pk": {"S": f"VR#{tenant}#{variant.split('/', 1)[0]}"},
                             "sk": item["sk"]},
                        UpdateExpression="SET summary = :s",
                        ExpressionAttributeValues={":s": values[":s"]})
                changed += 1
            if "LastEvaluatedKey" not in resp:
                return changed
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def delete_traces_before(self, before: float) -> int:
        """Nothing to do: items carry ``expires_at`` and DynamoDB's TTL removes them."""
        return 0

    def close(self) -> None:
        self._stop.set()
        self._flusher.join(timeout=5)
        self.flush()
