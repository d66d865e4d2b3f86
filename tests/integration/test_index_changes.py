"""Two embedded indexes on one file, as a server and a worker hold it: each sees the other's
writes by replaying the change log, never by loading everything again."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

import ragworks.index.local as local
from ragworks.index.local import LocalChunkIndex
from ragworks.models import Chunk, Scope

DIM = 8


def _doc(doc: str, n: int = 3, tenant: str = "t", collection: str = "c") -> tuple[list[Chunk],
                                                                                   np.ndarray]:
    chunks = [Chunk(id=f"{tenant}-{doc}-{i}", doc_id=doc, tenant=tenant, collection=collection,
                    source=f"{doc}.txt", title=doc, section="", text=f"{doc} part {i} words",
                    start=0, end=5, ordinal=i) for i in range(n)]
    rng = np.random.default_rng(abs(hash(doc)) % 2**32)
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return chunks, v / np.linalg.norm(v, axis=1, keepdims=True)


def _state(index: LocalChunkIndex) -> list[tuple[str, str]]:
    """Every chunk the index holds in memory, with its scope, as search sees them."""
    index.count()  # catch up
    tenants = {v: k for k, v in index._tenant_codes.of.items()}
    collections = {v: k for k, v in index._collection_codes.of.items()}
    return sorted((cid, f"{tenants[int(t)]}/{collections[int(c)]}")
                  for cid, t, c in zip(index._ids, index._tenants, index._collections,
                                       strict=True))


def test_a_reader_sees_adds_and_deletes_without_loading_again(tmp_path: Path) -> None:
    writer, reader = LocalChunkIndex(tmp_path, DIM), LocalChunkIndex(tmp_path, DIM)
    writer.add(*_doc("alpha"))
    writer.add(*_doc("beta", tenant="u"))
    assert (reader.count("t"), reader.count("u"), reader.count("nobody")) == (3, 3, 0)
    hits = reader.search("alpha words", _doc("alpha")[1][0], Scope(tenant="t"), 5)
    assert {h.chunk.doc_id for h in hits} == {"alpha"}
    writer.delete_document("t", "alpha")
    assert reader.search("alpha words", _doc("alpha")[1][0], Scope(tenant="t"), 5) == []
    assert reader.count() == 3
    assert (reader.full_loads, writer.full_loads) == (1, 1)


def test_rows_read_by_a_search_are_never_served_after_they_change(tmp_path: Path) -> None:
    """A search keeps the rows it read until the index changes: the same chunk ids written
    again by another process (a document deleted and uploaded again under another name)
    are read afresh."""
    writer, reader = LocalChunkIndex(tmp_path, DIM), LocalChunkIndex(tmp_path, DIM)
    chunks, vectors = _doc("alpha")
    writer.add(chunks, vectors)
    first = reader.search("alpha words", vectors[0], Scope(tenant="t"), 5)
    assert {h.chunk.source for h in first} == {"alpha.txt"}
    assert reader.search("alpha words", vectors[0], Scope(tenant="t"), 5) == first
    writer.delete_document("t", "alpha")
    writer.add([c.model_copy(update={"source": "renamed.txt"}) for c in chunks], vectors)
    again = reader.search("alpha words", vectors[0], Scope(tenant="t"), 5)
    assert [h.chunk.id for h in again] == [h.chunk.id for h in first]
    assert {h.chunk.source for h in again} == {"renamed.txt"}
    writer.delete_document("t", "alpha")
    assert reader.search("alpha words", vectors[0], Scope(tenant="t"), 5) == []


def test_a_reused_row_id_is_neither_lost_nor_doubled(tmp_path: Path) -> None:
    """Deleting the newest rows lets SQLite hand their row ids out again."""
    writer, reader = LocalChunkIndex(tmp_path, DIM), LocalChunkIndex(tmp_path, DIM)
    writer.add(*_doc("old"))
    writer.delete_document("t", "old")
    writer.add(*_doc("new"))          # the same row ids as "old" had
    writer.add(*_doc("old"))          # "old" again, under new row ids
    assert _state(reader) == _state(LocalChunkIndex(tmp_path, DIM))
    assert reader.count() == 6 and reader.full_loads == 1


def test_a_reader_far_behind_loads_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "KEEP_CHANGES", 3)
    writer, reader = LocalChunkIndex(tmp_path, DIM), LocalChunkIndex(tmp_path, DIM)
    for n in range(8):
        writer.add(*_doc(f"d{n}"))
    assert reader.count() == 24 and reader.full_loads == 2
    assert writer.full_loads == 1  # the writer replays its own entries as it goes


def test_replaying_any_sequence_of_writes_ends_where_a_fresh_load_does(tmp_path: Path) -> None:
    rnd = random.Random(7)
    writer, reader = LocalChunkIndex(tmp_path, DIM), LocalChunkIndex(tmp_path, DIM)
    for step in range(60):
        doc, tenant = f"d{rnd.randrange(8)}", rnd.choice("tu")
        if rnd.random() < 0.6:
            writer.add(*_doc(doc, rnd.randrange(1, 4), tenant, rnd.choice(["c", "k"])))
        else:
            writer.delete_document(tenant, doc)
        if step % 7 == 0:  # the reader catches up now and then, several entries at once
            reader.count()
    fresh = LocalChunkIndex(tmp_path, DIM)
    assert _state(reader) == _state(fresh) == _state(writer)
    for tenant in "tu":
        for collection in ("c", "k"):
            scope = Scope(tenant=tenant, collection=collection)
            query = _doc("d1")[1][0]
            assert ([h.chunk.id for h in reader.search("d1 words", query, scope, 4)]
                    == [h.chunk.id for h in fresh.search("d1 words", query, scope, 4)])
    assert reader.full_loads == 1
