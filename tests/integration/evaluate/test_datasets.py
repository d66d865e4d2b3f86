"""Datasets over HTTP: upload, versions, bad items, built from thumbs-down traces."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CORPUS, LiveServer, make_settings

ITEMS = [{"question": "What does error E102 mean?", "relevant_sources": ["error-codes.txt"],
          "category": "factoid"}]


def test_dataset_versions_and_from_traces(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        live.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                      "error-codes.txt", "default")
        first = c.post("/api/v1/datasets", json={"name": "golden", "items": ITEMS})
        assert first.status_code == 201 and first.json()["version"] == 1
        same = c.post("/api/v1/datasets", json={"name": "golden", "items": ITEMS})
        assert same.status_code == 200 and same.json()["version"] == 1
        more = ITEMS + [{"question": "What does E401 mean?"}]
        assert c.post("/api/v1/datasets", json={"name": "golden",
                                                "items": more}).json()["version"] == 2
        for bad, words in (([{"question": " "}], "empty"),
                           ([{"question": "q", "category": "poems"}], "category"),
                           ([{"question": "q", "relevant_sources": "a.txt"}], "list")):
            resp = c.post("/api/v1/datasets", json={"name": "bad", "items": bad})
            assert resp.status_code == 422 and words in resp.json()["detail"]
        assert c.post("/api/v1/datasets", json={"name": "../x", "items": ITEMS}).status_code == 422
        body = c.post("/api/v1/query", json={"question": "What does error E102 mean?"}).json()
        c.post("/api/v1/feedback", json={"trace_id": body["trace_id"], "rating": "down"})
        ok = c.post("/api/v1/query", json={"question": "What does error E101 mean?"}).json()
        c.post("/api/v1/feedback", json={"trace_id": ok["trace_id"], "rating": "up"})
        built = c.post("/api/v1/datasets/from-traces", json={"name": "thumbs-down"}).json()
        assert built["items"] == 1
        listing = c.get("/api/v1/datasets").json()["datasets"]
        assert [(d["name"], d["version"]) for d in listing] == [
            ("golden", 1), ("golden", 2), ("thumbs-down", 1)]
        items = live.services.datasets.get("default", "thumbs-down")
        assert items[0].question == "What does error E102 mean?"
