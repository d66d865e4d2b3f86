"""Traces stored locally: listing, filters, the whole tree, retention, logs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from ragworks.usecases.upkeep import prune_traces
from tests.conftest import CORPUS, LiveServer, make_settings


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(make_settings(tmp_path_factory.mktemp("traces"))) as server:
        svc = server.services
        for name in ("error-codes.txt", "vpn-setup.md"):
            svc.ingestor.ingest((CORPUS / name).read_bytes(), name, "default")
        with server.client() as c:
            resp = c.post("/api/v1/documents", files={"file": (
                "warranty.txt", (CORPUS / "warranty.txt").read_bytes())})
            assert resp.status_code == 201
            for q in ("What does error E102 mean?", "Hello!", "What is VPN error VPN-403?",
                      "Who won the world cup in 1998?"):
                assert c.post("/api/v1/query", json={"question": q}).status_code == 200
            assert c.post("/api/v1/query", json={"question": ""}).status_code == 422
        yield server


def test_list_filters_and_pagination(live: LiveServer) -> None:
    with live.client() as c:
        ingests = c.get("/api/v1/traces", params={"name": "ingest"}).json()
        assert ingests["total"] == 1 and ingests["traces"][0]["input"]["source"] == "warranty.txt"
        everything = c.get("/api/v1/traces", params={"name": "query"}).json()
        assert everything["total"] == 4
        page = c.get("/api/v1/traces", params={"name": "query", "limit": 2, "offset": 2}).json()
        assert len(page["traces"]) == 2 and page["total"] == 4
        assert page["traces"][0]["start"] <= everything["traces"][1]["start"]
        chit = c.get("/api/v1/traces", params={"category": "chitchat"}).json()
        assert chit["total"] == 1 and chit["traces"][0]["input"]["question"] == "Hello!"
        slow = c.get("/api/v1/traces", params={"min_latency_ms": 10 ** 7}).json()
        assert slow["total"] == 0
        assert c.get("/api/v1/traces", params={"has_feedback": True}).json()["total"] == 0
        later = c.get("/api/v1/traces", params={"since": time.time() + 60}).json()
        assert later["total"] == 0
        assert c.get("/api/v1/traces", params={"status": "bogus"}).status_code == 422


def test_trace_tree_with_generation_and_scores(live: LiveServer) -> None:
    with live.client() as c:
        row = next(t for t in c.get("/api/v1/traces", params={"category": "factoid"})
                   .json()["traces"] if "E102" in t["input"]["question"])
        trace = c.get(f"/api/v1/traces/{row['id']}").json()
    obs = {o["name"]: o for o in trace["observations"]}
    assert {"classify", "plan", "retrieve", "embed_query", "lexical", "dense", "fusion",
            "generate"} <= obs.keys()
    assert obs["lexical"]["parent_id"] == obs["retrieve"]["id"]
    assert obs["classify"]["output"]["category"] == "factoid"
    assert obs["generate"]["type"] == "generation" and obs["generate"]["output_tokens"] > 0
    assert obs["generate"]["prompt_name"] == "answer"
    scores = {s["name"]: s for s in trace["scores"]}
    assert {"classification_confidence", "top_retrieval_score", "cited_relevance",
            "groundedness", "covered"} <= scores.keys()
    assert scores["covered"]["data_type"] == "BOOLEAN" and scores["groundedness"]["value"] == 1.0
    assert trace["output"]["citations"] == ["error-codes.txt"]


def test_rollups_are_written_as_traces_finish(live: LiveServer) -> None:
    rows = live.services.traces.rollups("default", "", time.time() - 3600)
    series: dict[str, dict] = {}  # one row per series and minute: the queries may straddle one
    for r in rows:
        total = series.setdefault(r["series"], {"count": 0, "buckets": None})
        total["count"] += r["count"]
        if r.get("buckets") is not None:
            total["buckets"] = [a + b for a, b in zip(total["buckets"] or [0] * len(
                r["buckets"]), r["buckets"], strict=True)]
    assert series["query.requests"]["count"] >= 4
    assert sum(series["latency.query"]["buckets"]) == series["latency.query"]["count"]
    assert "category.chitchat" in series and "score.groundedness" in series
    assert series["query.not_covered"]["count"] >= 1
    assert series["ingest.requests"]["count"] == 1


def test_traces_need_admin_scope_and_stay_in_their_tenant(live: LiveServer) -> None:
    with live.client(None) as anon:
        assert anon.get("/api/v1/traces").status_code == 401
    reader = live.services.keys.create("default", ["query"], "reader")
    other = live.services.keys.create("globex", ["query", "admin"], "other-admin")
    any_id = live.services.traces.list_traces("default", _filter(), 1)[0][0]["id"]
    with live.client(reader) as c:
        assert c.get("/api/v1/traces").status_code == 403
    with live.client(other) as c:
        assert c.get("/api/v1/traces").json()["total"] == 0
        assert c.get(f"/api/v1/traces/{any_id}").status_code == 404


def _filter():  # type: ignore[no-untyped-def]
    from ragworks.observe.store import TraceFilter

    return TraceFilter()


def test_retention_deletes_old_traces_only(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path, trace_retention_days=1)) as server:
        svc = server.services
        with server.client() as c:
            c.post("/api/v1/query", json={"question": "hello"})
        old = svc.tracer.start("query", "default")
        old.trace.start = time.time() - 3 * 86400
        svc.tracer.finish(old)
        assert svc.traces.list_traces("default", _filter())[1] == 2
        assert prune_traces(svc) == 1
        rows, total = svc.traces.list_traces("default", _filter())
        assert total == 1 and svc.traces.get_trace("default", old.trace_id) is None


def test_log_lines_carry_request_trace_and_tenant(live: LiveServer) -> None:
    with structlog.testing.capture_logs() as logs, live.client() as c:
        resp = c.post("/api/v1/query", json={"question": "What does error E102 mean?"},
                      headers={"X-Request-Id": "abc-1"})
        deadline = time.time() + 5  # the access line is written after the response is sent
        while time.time() < deadline and not any(e.get("event") == "request" for e in logs):
            time.sleep(0.02)
    access = [e for e in logs if e.get("event") == "request"]
    assert access and access[-1]["route"] == "/api/v1/query" and access[-1]["status"] == 200
    assert access[-1]["trace_id"] == resp.json()["trace_id"]
    assert access[-1]["tenant"] == "default"
    assert "rw_test_admin_key" not in str(logs)
