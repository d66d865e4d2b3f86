"""Feedback over HTTP: stored once per (trace, user), attached to the trace as scores."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import CORPUS, LiveServer, make_settings


@pytest.fixture
def live(tmp_path) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with LiveServer(make_settings(tmp_path)) as server:
        server.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                        "error-codes.txt", "default")
        yield server


def answer(c: httpx.Client) -> str:
    return c.post("/api/v1/query", json={"question": "What does error E102 mean?"}).json()[
        "trace_id"]


def test_feedback_becomes_user_scores_and_updates_in_place(live: LiveServer) -> None:
    with live.client() as c:
        trace_id = answer(c)
        first = c.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": "down",
                                                 "comment": "too long",
                                                 "corrected_category": "factoid",
                                                 "expected_sources": ["error-codes.txt"]})
        assert first.status_code == 201 and first.json()["created"]
        second = c.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": "up"})
        assert second.status_code == 200 and not second.json()["created"]
        other_user = c.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": 4,
                                                      "user_id": "u-2"})
        assert other_user.status_code == 201
        trace = c.get(f"/api/v1/traces/{trace_id}").json()
        assert trace["has_feedback"]
        listed = c.get("/api/v1/traces", params={"has_feedback": True}).json()
        assert [t["id"] for t in listed["traces"]] == [trace_id]
    user = [s for s in trace["scores"] if s["source"] == "user"]
    ratings = sorted(s["value"] for s in user if s["name"] == "user_rating")
    assert ratings == [0.75, 1.0]  # the key's update replaced its first rating; u-2 rated 4/5
    thumbs = [s for s in user if s["name"] == "thumbs_up"]
    assert len(thumbs) == 1 and thumbs[0]["value"] == 1.0
    rows = live.services.traces.rollups("default", "score.user_rating", time.time() - 3600)
    assert sum(r["count"] for r in rows) == 2  # the update is not counted twice


@pytest.mark.parametrize("body,status,words", [
    ({"trace_id": "0" * 32, "rating": "up"}, 404, "no trace"),
    ({"trace_id": "x", "rating": "sideways"}, 422, "rating"),
    ({"trace_id": "x", "rating": 9}, 422, "rating"),
    ({"trace_id": "", "rating": "up"}, 422, ""),
    ({"rating": "up"}, 422, ""),
])
def test_bad_feedback(live: LiveServer, body: dict, status: int, words: str) -> None:
    with live.client() as c:
        resp = c.post("/api/v1/feedback", json=body)
    assert resp.status_code == status and words in str(resp.json())


def test_bad_category_and_other_tenants(live: LiveServer) -> None:
    other = live.services.keys.create("globex", ["query"], "g")
    with live.client() as c:
        trace_id = answer(c)
        resp = c.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": "up",
                                                "corrected_category": "poetry"})
        assert resp.status_code == 422 and "corrected_category" in resp.json()["detail"]
    with live.client(other) as c:
        assert c.post("/api/v1/feedback", json={"trace_id": trace_id,
                                                "rating": "up"}).status_code == 404
    with live.client(None) as c:
        assert c.post("/api/v1/feedback", json={"trace_id": trace_id,
                                                "rating": "up"}).status_code == 401
    assert live.services.traces.get_trace("default", trace_id)["has_feedback"] is False


def test_concurrent_feedback_from_one_user_keeps_one_row(live: LiveServer) -> None:
    with live.client() as c:
        trace_id = answer(c)
        with ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(lambda r: c.post("/api/v1/feedback", json={
                "trace_id": trace_id, "rating": r}).status_code, [1, 2, 3, 4, 5, 5]))
    assert codes.count(201) == 1 and codes.count(200) == 5
    trace = live.services.traces.get_trace("default", trace_id)
    assert len([s for s in trace["scores"] if s["name"] == "user_rating"]) == 1


def test_category_corrections_feed_accuracy_and_retraining(live: LiveServer) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    with live.client() as c:
        trace_id = answer(c)
        c.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": "down",
                                         "corrected_category": "multi_hop"})
        hello = c.post("/api/v1/query", json={"question": "hi there"}).json()["trace_id"]
        c.post("/api/v1/feedback", json={"trace_id": hello, "rating": "up",
                                         "corrected_category": "chitchat"})
    scores = {tid: {s["name"]: s for s in live.services.traces.get_trace("default", tid)["scores"]}
              for tid in (trace_id, hello)}
    assert scores[trace_id]["classification_correct"]["value"] == 0.0
    assert scores[hello]["classification_correct"]["value"] == 1.0
    rows = live.services.traces.rollups("default", "score.classification_correct",
                                        time.time() - 3600)
    assert sum(r["sum"] for r in rows) / sum(r["count"] for r in rows) == 0.5  # online accuracy
    data = live.services.settings.data_dir
    env = {**os.environ, "RAGWORKS_DATA_DIR": str(data), "RAGWORKS_ENV": "test"}
    exe = Path(sys.executable).parent / "ragworks"
    out = subprocess.run([str(exe), "classifier", "train"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert "2 from feedback and datasets" in out.stdout and "held-out accuracy before" in out.stdout
    if out.returncode == 0:
        assert (data / "classifier.npz").exists()
    else:
        assert "kept the active classifier" in out.stdout


def test_one_key_cannot_overwrite_another_keys_feedback(live: LiveServer) -> None:
    one = live.services.keys.create("default", ["query"], "web")
    two = live.services.keys.create("default", ["query"], "web")  # same name, other key
    with live.client() as admin:
        trace_id = admin.post("/api/v1/query", json={"question": "hello"}).json()["trace_id"]
    with live.client(one) as a, live.client(two) as b:
        assert a.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": "up",
                                                "user_id": "alice"}).status_code == 201
        # the other key claiming to be "alice" makes its own row; it replaces nothing
        resp = b.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": "down",
                                                "user_id": "alice"})
        assert resp.status_code == 201 and resp.json()["created"] is True
    rows = live.services.traces.recent_feedback("default", 10)
    assert sorted(r["rating"] for r in rows if r["trace_id"] == trace_id) == [0.0, 1.0]


def test_corrections_that_train_need_the_review_scope(live: LiveServer) -> None:
    reader = live.services.keys.create("default", ["query"], "reader")
    reviewer = live.services.keys.create("default", ["query", "review"], "reviewer")
    with live.client() as admin:
        trace_id = admin.post("/api/v1/query", json={"question": "hello"}).json()["trace_id"]
    body = {"trace_id": trace_id, "rating": "down", "corrected_category": "factoid"}
    with live.client(reader) as r, live.client(reviewer) as v:
        resp = r.post("/api/v1/feedback", json=body)
        assert resp.status_code == 403 and "review" in resp.json()["detail"]
        assert r.post("/api/v1/feedback", json={**body, "corrected_category": None}
                      ).status_code == 201  # a plain rating is fine
        assert v.post("/api/v1/feedback", json=body).status_code == 201
