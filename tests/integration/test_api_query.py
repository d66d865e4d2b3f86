"""Questions over the sample corpus: answers, citations, routing, streaming, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS, LiveServer, make_settings


@pytest.fixture(scope="module")
def corpus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path_factory.mktemp("corpus"), max_question_chars=500)
    with LiveServer(settings) as server:
        svc = server.services
        for f in sorted(CORPUS.iterdir()):
            svc.ingestor.ingest(f.read_bytes(), f.name, "default", "samples")
        yield server


@pytest.fixture
def c(corpus_server: LiveServer) -> Iterator[httpx.Client]:
    with corpus_server.client() as client:
        yield client


def test_factoid_answer_cites_the_right_source(c: httpx.Client) -> None:
    body = c.post("/api/v1/query", json={"question": "What does robot error E102 mean?",
                                         "include_hits": True}).json()
    assert body["category"] == "factoid" and body["covered"]
    assert "blocked" in body["answer"]
    assert body["citations"] and body["citations"][0]["source"] == "error-codes.txt"
    assert "[1]" in body["answer"] or "[2]" in body["answer"]
    hit = body["hits"][0]
    assert {"lexical", "dense", "fused"} <= hit.keys() and hit["source"] == "error-codes.txt"
    cite = body["citations"][0]
    text = (CORPUS / "error-codes.txt").read_text()
    assert text[cite["start"]:cite["end"]].startswith(cite["snippet"][:40])
    assert set(body["stage_ms"]) == {"classify", "plan", "retrieve", "generate"}


def test_collection_scope(c: httpx.Client) -> None:
    body = c.post("/api/v1/query", json={"question": "What does robot error E102 mean?",
                                         "collection": "other", "include_hits": True}).json()
    assert body["hits"] == [] and not body["covered"]


def test_chitchat_has_no_retrieval(c: httpx.Client) -> None:
    body = c.post("/api/v1/query", json={"question": "Hello there!"}).json()
    assert body["category"] == "chitchat" and body["plan"]["mode"] == "none"
    assert body["citations"] == []


def test_out_of_scope_says_not_covered(c: httpx.Client) -> None:
    body = c.post("/api/v1/query",
                  json={"question": "What is the population of Canada in 2020?"}).json()
    assert not body["covered"]
    assert "do not cover" in body["answer"] and body["citations"] == []


def test_a_code_the_documents_do_not_hold_is_not_answered_with_another(c: httpx.Client) -> None:
    """E104 is not in the error codes: the nearest passages (E101, E102) are about other
    codes, so the answer says the documents do not cover it; E102 is still answered."""
    body = c.post("/api/v1/query", json={"question": "What does error E104 mean?"}).json()
    assert not body["covered"] and "do not cover" in body["answer"]
    assert body["citations"] == []
    body = c.post("/api/v1/query", json={"question": "What does error e-102 mean?"}).json()
    assert body["covered"] and "blocked" in body["answer"]


def test_multi_hop_retrieves_for_each_part(c: httpx.Client) -> None:
    body = c.post("/api/v1/query", json={
        "question": "Compare the battery life of the R1 Scout and the R2 Hauler",
        "include_hits": True}).json()
    assert body["category"] == "multi_hop" and body["plan"]["decompose"]
    sources = {h["source"] for h in body["hits"]}
    assert {"r1-scout-specs.md", "r2-hauler-specs.md"} <= sources


def test_summary_uses_diverse_hits(c: httpx.Client) -> None:
    body = c.post("/api/v1/query", json={"question": "Summarize the travel policy",
                                         "include_hits": True}).json()
    assert body["category"] == "summary" and body["plan"]["mmr"]
    sections = {h["section"] for h in body["hits"] if h["source"] == "travel-policy.docx"}
    assert len(sections) >= 2


def test_stream_sends_tokens_then_citations(c: httpx.Client) -> None:
    events = []
    with c.stream("POST", "/api/v1/query",
                  json={"question": "How long is a guest Wi-Fi code valid?", "stream": True}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    kinds = [k for k, _ in events]
    # what the answer is written from comes first, before a word of it
    assert kinds[0] == "sources" and kinds[1] == "token" and kinds[-2:] == ["citations", "done"]
    sources = events[0][1]
    assert [s["n"] for s in sources] == list(range(1, len(sources) + 1))
    assert any(s["source"] == "wifi-guest-access.txt" for s in sources), sources
    streamed = "".join(d["text"] for k, d in events if k == "token")
    done = events[-1][1]
    assert "24 hours" in streamed and done["citations"] == events[-2][1]


@pytest.mark.parametrize("question,words", [("", "empty"), ("   \n ", "empty"),
                                             ("x" * 501, "limit is 500")])
def test_bad_questions_are_422(c: httpx.Client, question: str, words: str) -> None:
    resp = c.post("/api/v1/query", json={"question": question})
    assert resp.status_code == 422 and words in resp.json()["detail"]


def test_malformed_body_is_422(c: httpx.Client) -> None:
    assert c.post("/api/v1/query", content=b"{not json",
                  headers={"content-type": "application/json"}).status_code == 422
    assert c.post("/api/v1/query", json={"query": "wrong field"}).status_code == 422


def test_the_body_is_documented_and_a_stranger_hears_401_before_any_body_check(
        c: httpx.Client) -> None:
    # the route reads its body itself (one parse): OpenAPI still says what it takes
    body = c.get("/openapi.json").json()["paths"]["/api/v1/query"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["question"] and "include_hits" in schema["properties"]
    no_key = {"authorization": "", "content-type": "application/json"}
    for payload in (b"{not json", b'{"question": "When?"}', b""):
        resp = c.post("/api/v1/query", content=payload, headers=no_key)
        assert resp.status_code == 401, (payload, resp.text)
    # wrong types are named by field, as FastAPI names them
    bad = c.post("/api/v1/query", json={"question": "x", "tags": "not-a-list"}).json()
    assert bad["error"] == "BadInput" and "tags" in bad["detail"]
    assert bad["errors"][0]["loc"][:2] == ["body", "tags"]


def test_the_query_shortcut_keeps_what_every_request_gets(corpus_server: LiveServer,
                                                           c: httpx.Client) -> None:
    # served before FastAPI's routing: request id, security headers, metrics by route,
    # scope checks and error answers are still those of every other route
    resp = c.post("/api/v1/query", json={"question": "What does error E102 mean?"},
                  headers={"x-request-id": "probe-42"})
    assert resp.status_code == 200 and resp.headers["x-request-id"] == "probe-42"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert httpx.get(f"{corpus_server.url}/static/chat.js").status_code == 200
    metrics = httpx.get(f"{corpus_server.url}/metrics").text
    assert 'ragworks_http_requests_total{method="POST",route="/api/v1/query",status="200"}' \
        in metrics
    # static files are named by their mount, not "unmatched"
    assert 'ragworks_http_requests_total{method="GET",route="/static",status="200"}' in metrics
    reader = corpus_server.services.keys.create("default", ["ingest"], "no-query")
    with corpus_server.client(reader) as r:
        denied = r.post("/api/v1/query", json={"question": "When?"})
    assert denied.status_code == 403 and "'query' scope" in denied.json()["detail"]
    bad = c.post("/api/v1/query", json={"question": "When?", "collection": "../etc"})
    assert bad.status_code == 422 and bad.json()["error"] == "BadInput"
    assert c.get("/api/v1/query").status_code == 405


def test_health_and_ready(c: httpx.Client) -> None:
    assert c.get("/healthz").json()["status"] == "ok"
    assert c.get("/readyz").json()["ready"] is True
    assert "ragworks" in c.get("/").text
    assert c.get("/openapi.json").json()["paths"]["/api/v1/query"]


def test_index_persists_across_restart(tmp_path: Path) -> None:
    from ragworks.models import Scope
    from ragworks.services import Services

    settings = make_settings(tmp_path)
    first = Services(settings)
    first.ingestor.ingest((CORPUS / "warranty.txt").read_bytes(), "warranty.txt", "default")
    before = first.retriever.search("CarePlus extended warranty", Scope(tenant="default"), 3)
    first.close()
    second = Services(settings)
    after = second.retriever.search("CarePlus extended warranty", Scope(tenant="default"), 3)
    assert [h.chunk.id for h in before] == [h.chunk.id for h in after]
    assert second.index.count() == first.index.count()
    second.close()
