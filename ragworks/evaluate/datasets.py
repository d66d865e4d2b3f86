"""Versioned evaluation datasets: uploaded, built from traces, or imported from BEIR.

Items are ``{question, relevant_sources?, reference_answer?, category?}``. Saving
the same name with different content makes a new version; the same content is a no-op.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any, Protocol

from ragworks.errors import BadInput, NotFound
from ragworks.evaluate.retrieval import Item
from ragworks.models import CATEGORIES, content_hash
from ragworks.observe.store import TraceStore
from ragworks.storage.sqlite import SQLiteFile, rollback


def validate(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not items:
        raise BadInput("a dataset needs at least one item")
    clean = []
    for n, item in enumerate(items, 1):
        question = str(item.get("question") or "").strip()
        if not question:
            raise BadInput(f"item {n}: question is empty")
        category = item.get("category")
        if category is not None and category not in CATEGORIES:
            raise BadInput(f"item {n}: category must be one of {', '.join(CATEGORIES)}")
        sources = item.get("relevant_sources") or []
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise BadInput(f"item {n}: relevant_sources must be a list of source names")
        clean.append({"question": question, "relevant_sources": sources,
                      "reference_answer": item.get("reference_answer"), "category": category})
    return clean


def parse_jsonl(text: str) -> list[dict[str, Any]]:
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                raise BadInput(f"line {n} is not JSON") from None
    return items


def prepare(name: str, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Checked items and their content hash (equal content: the same version)."""
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise BadInput("dataset name: letters, digits, '-', '_' and '.' only")
    clean = validate(items)
    return clean, content_hash(json.dumps(clean, sort_keys=True), length=16)


def items_from_traces(traces: TraceStore, tenant: str, since: float, until: float | None,
                      thumbs_down_only: bool) -> list[dict[str, Any]]:
    """Dataset items from answered questions (e.g. every thumbs-down of the last week)."""
    items = []
    for trace in traces.answered(tenant, since, until, thumbs_down_only):
        question = (trace.get("input") or {}).get("question")
        if question:
            items.append({"question": question, "category": trace.get("category") or None,
                          "relevant_sources": []})
    if not items:
        raise BadInput("no traces matched")
    return items


class DatasetStore(Protocol):
    """Versioned datasets; twins: ``SQLiteDatasetStore`` below and
    ``store_dynamodb.DynamoDatasetStore``."""

    def save(self, tenant: str, name: str, items: list[dict[str, Any]],
             source: str = "upload") -> dict[str, Any]: ...

    def get(self, tenant: str, name: str, version: int | None = None) -> list[Item]: ...

    def all(self, tenant: str) -> list[dict[str, Any]]: ...

    def from_traces(self, tenant: str, name: str, since: float, until: float | None = None,
                    thumbs_down_only: bool = True) -> dict[str, Any]: ...


class SQLiteDatasetStore:
    def __init__(self, db: SQLiteFile, traces: TraceStore) -> None:
        self.db, self.traces = db, traces

    def save(self, tenant: str, name: str, items: list[dict[str, Any]],
             source: str = "upload") -> dict[str, Any]:
        clean, digest = prepare(name, items)
        conn = self.db.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute(
                "SELECT version, content_hash FROM datasets WHERE tenant=? AND name=? "
                "ORDER BY version DESC LIMIT 1", (tenant, name)).fetchone()
            if last is not None and last[1] == digest:
                conn.execute("COMMIT")
                return {"name": name, "version": last[0], "items": len(clean), "new": False}
            version = (last[0] + 1) if last else 1
            conn.execute("INSERT INTO datasets VALUES (?,?,?,?,?,?,?)",
                         (tenant, name, version, digest, source, time.time(), json.dumps(clean)))
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        return {"name": name, "version": version, "items": len(clean), "new": True}

    def get(self, tenant: str, name: str, version: int | None = None) -> list[Item]:
        sql = "SELECT items FROM datasets WHERE tenant=? AND name=?"
        args: list[Any] = [tenant, name]
        if version is not None:
            sql += " AND version=?"
            args.append(version)
        row = self.db.conn().execute(sql + " ORDER BY version DESC LIMIT 1",
                                          args).fetchone()
        if row is None:
            raise NotFound(f"no dataset {name!r}" + (f" version {version}" if version else ""))
        return [Item(i["question"], tuple(i["relevant_sources"]), i.get("category"),
                     i.get("reference_answer")) for i in json.loads(row[0])]

    def all(self, tenant: str) -> list[dict[str, Any]]:
        return [{"name": r[0], "version": r[1], "source": r[2], "created_at": r[3],
                 "items": r[4]} for r in self.db.conn().execute(
            "SELECT name, version, source, created_at, json_array_length(items) FROM datasets "
            "WHERE tenant=? ORDER BY name, version", (tenant,))]

    def from_traces(self, tenant: str, name: str, since: float, until: float | None = None,
                    thumbs_down_only: bool = True) -> dict[str, Any]:
        """Items from answered questions, e.g. every thumbs-down of the last week."""
        items = items_from_traces(self.traces, tenant, since, until, thumbs_down_only)
        return self.save(tenant, name, items, source="traces")


def read_beir(folder: Path, split: str = "test") -> tuple[list[dict[str, str]],
                                                           list[dict[str, Any]]]:
    """(documents as {name, text}, dataset items) from a BEIR folder:
    corpus.jsonl, queries.jsonl and qrels/<split>.tsv."""
    docs = []
    for line in (folder / "corpus.jsonl").read_text().splitlines():
        if line.strip():
            d = json.loads(line)
            title = d.get("title") or ""
            docs.append({"name": f"{d['_id']}.txt",
                         "text": (title + "\n\n" if title else "") + d.get("text", "")})
    queries = {}
    for line in (folder / "queries.jsonl").read_text().splitlines():
        if line.strip():
            q = json.loads(line)
            queries[q["_id"]] = q["text"]
    relevant: dict[str, list[str]] = {}
    with (folder / "qrels" / f"{split}.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if int(row.get("score", 1)) > 0:
                relevant.setdefault(row["query-id"], []).append(f"{row['corpus-id']}.txt")
    items = [{"question": queries[qid], "relevant_sources": sources}
             for qid, sources in relevant.items() if qid in queries]
    return docs, items
