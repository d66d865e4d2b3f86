"""ragworks as a model to OpenAI clients (issue 26): the real ``openai`` package against the
real server on loopback, streamed and not, in a conversation, and with bad input."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.conftest import CORPUS, LiveServer, make_settings

KEY = "rw_test_admin_key"
DOCS = ("wifi-guest-access.txt", "vacation-policy.md", "parental-leave.md", "parking.md",
        "sick-leave.md")
VALID = "How long is a guest Wi-Fi code valid?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(make_settings(tmp_path_factory.mktemp("openai"))) as live:
        for name in DOCS:
            live.services.ingestor.ingest((CORPUS / name).read_bytes(), name, "default")
        yield live


def client(live: LiveServer, key: str = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0, timeout=60)


def trace_of(live: LiveServer, trace_id: str) -> dict:
    with live.client() as c:
        r = c.get(f"/api/v1/traces/{trace_id}")
        assert r.status_code == 200, r.text
        return r.json()


def test_the_models_are_the_tenant_and_each_collection(server: LiveServer) -> None:
    ids = [m.id for m in client(server).models.list()]
    assert ids == ["ragworks", "ragworks/default"]


def test_an_answer_with_citations_and_its_trace(server: LiveServer) -> None:
    oa = client(server)
    first = None
    for _ in range(3):  # the first, second and third answer: each its own trace
        done = oa.chat.completions.create(model="ragworks", messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": VALID}])
        content = done.choices[0].message.content or ""
        assert "24 hours" in content and "[1]" in content, content
        assert done.choices[0].finish_reason == "stop"
        extra = done.model_extra or {}
        assert extra["citations"][0]["source"] == "wifi-guest-access.txt"
        assert extra["citations"][0]["marker"] == 1
        assert extra["ragworks"]["covered"] is True
        trace = trace_of(server, extra["ragworks"]["trace_id"])
        assert "openai" in trace["tags"] and trace["input"]["question"] == VALID
        assert done.id == f"chatcmpl-{trace['id']}"
        first = first or content
        assert content == first  # the same question, the same answer


def test_a_streamed_answer_is_the_same_answer_with_citations_last(server: LiveServer) -> None:
    oa = client(server)
    whole = oa.chat.completions.create(model="ragworks/default", messages=[
        {"role": "user", "content": VALID}]).choices[0].message.content
    for _ in range(2):
        chunks = list(oa.chat.completions.create(
            model="ragworks/default", stream=True,
            messages=[{"role": "user", "content": [{"type": "text", "text": VALID}]}]))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text.strip() == whole
        assert chunks[0].choices[0].delta.role == "assistant"
        last = chunks[-1]
        assert last.choices[0].finish_reason == "stop"
        extra = last.model_extra or {}
        assert extra["citations"][0]["source"] == "wifi-guest-access.txt"
        assert trace_of(server, extra["ragworks"]["trace_id"])["status"] == "ok"
        assert {c.id for c in chunks} == {f"chatcmpl-{extra['ragworks']['trace_id']}"}


def test_a_follow_up_is_asked_with_the_question_it_refers_to(server: LiveServer) -> None:
    oa = client(server)
    follow_up = "And the secondary one?"
    alone = oa.chat.completions.create(model="ragworks", messages=[
        {"role": "user", "content": follow_up}])
    assert (alone.model_extra or {})["ragworks"]["covered"] is False  # nothing to go on
    conversation = [{"role": "user", "content": "How much paid leave does the primary "
                                                "caregiver get?"}]
    opening = oa.chat.completions.create(model="ragworks", messages=conversation)
    assert "20 weeks" in (opening.choices[0].message.content or "")
    conversation += [{"role": "assistant", "content": opening.choices[0].message.content},
                     {"role": "user", "content": follow_up}]
    follow = oa.chat.completions.create(model="ragworks", messages=conversation)
    assert "8 weeks" in (follow.choices[0].message.content or "")
    meta = trace_of(server, (follow.model_extra or {})["ragworks"]["trace_id"])["metadata"]
    assert meta["conversation"] == {"turn": 2, "follow_up": True, "question": follow_up}
    # a question that stands on its own is asked as it is, whatever came before
    conversation += [{"role": "assistant", "content": "…"},
                     {"role": "user", "content": "How many vacation days do full-time "
                                                 "employees get per year?"}]
    fresh = oa.chat.completions.create(model="ragworks", messages=conversation)
    assert "27" in (fresh.choices[0].message.content or "")
    meta = trace_of(server, (fresh.model_extra or {})["ragworks"]["trace_id"])["metadata"]
    assert meta["conversation"]["follow_up"] is False


def test_the_query_api_takes_the_conversation_as_history(server: LiveServer) -> None:
    with server.client() as c:
        alone = c.post("/api/v1/query", json={"question": "How are they allocated?"}).json()
        assert alone["covered"] is False
        body = {"question": "How are they allocated?", "history": [
            "How many parking spaces does the Berlin office have?"]}
        for stream in (False, True):
            r = c.post("/api/v1/query", json={**body, "stream": stream})
            assert r.status_code == 200 and "lottery" in r.text, r.text
        # a client that sends only its session id: the server remembers the conversation
        opening = c.post("/api/v1/query", json={
            "question": "How many parking spaces does the Berlin office have?",
            "session_id": "s-remembered"}).json()
        assert "30 parking spaces" in opening["answer"]
        deadline = time.monotonic() + 60  # the trace is written behind the answer
        while time.monotonic() < deadline and not server.services.traces.get_trace(
                "default", opening["trace_id"]):
            time.sleep(0.1)
        for session, covered in (("s-remembered", True), ("s-another", False)):
            r = c.post("/api/v1/query", json={"question": "How are they allocated?",
                                              "session_id": session}).json()
            assert r["covered"] is covered and ("lottery" in r["answer"]) is covered, r
        r = c.post("/api/v1/query", json={**body, "history": ["x" * 2001]})
        assert r.status_code == 422 and "limit is 2000" in r.json()["detail"]
        r = c.post("/api/v1/query", json={**body, "stream": True, "history": ["x" * 2001]})
        assert r.status_code == 422  # a 4xx before the stream starts, not an event


def test_bad_requests_get_openai_errors_that_say_what_was_wrong(server: LiveServer) -> None:
    oa = client(server)
    with pytest.raises(openai.UnprocessableEntityError):  # empty conversation
        oa.chat.completions.create(model="ragworks", messages=[])
    with pytest.raises(openai.UnprocessableEntityError, match="role 'user'"):
        oa.chat.completions.create(model="ragworks", messages=[
            {"role": "user", "content": VALID}, {"role": "assistant", "content": "24 hours"}])
    with pytest.raises(openai.UnprocessableEntityError, match="question is empty"):
        oa.chat.completions.create(model="ragworks", messages=[{"role": "user",
                                                                "content": "   "}])
    with pytest.raises(openai.UnprocessableEntityError, match="limit is 2000"):  # huge
        oa.chat.completions.create(model="ragworks", messages=[{"role": "user",
                                                                "content": "why " * 1000}])
    with pytest.raises(openai.NotFoundError, match="GET /v1/models"):
        oa.chat.completions.create(model="gpt-4o", messages=[{"role": "user",
                                                             "content": VALID}])
    with pytest.raises(openai.UnprocessableEntityError, match="collection"):
        oa.chat.completions.create(model="ragworks/no such!", messages=[
            {"role": "user", "content": VALID}])
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as c:
        r = c.post("/v1/chat/completions", content=b"{not json",
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["error"]["type"] == "BadInput"
    with pytest.raises(openai.AuthenticationError):
        client(server, "rw_not_a_key").chat.completions.create(
            model="ragworks", messages=[{"role": "user", "content": VALID}])
    ingest_only = server.services.keys.create("default", ["ingest"], "uploader")
    with pytest.raises(openai.PermissionDeniedError, match="query"):
        client(server, ingest_only).chat.completions.create(
            model="ragworks", messages=[{"role": "user", "content": VALID}])
    # nothing stored was lost: the documents still answer
    assert "24 hours" in (oa.chat.completions.create(model="ragworks", messages=[
        {"role": "user", "content": VALID}]).choices[0].message.content or "")


def test_concurrent_clients_each_get_their_answer(server: LiveServer) -> None:
    questions = [VALID, "How many vacation days do full-time employees get per year?"] * 4

    def ask(q: str) -> str:
        return client(server).chat.completions.create(
            model="ragworks", messages=[{"role": "user", "content": q}]
        ).choices[0].message.content or ""

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(ask, questions))
    for q, a in zip(questions, answers, strict=True):
        assert ("24 hours" if "Wi-Fi" in q else "27") in a, (q, a)


def test_an_uncovered_question_says_so_through_the_client(server: LiveServer) -> None:
    done = client(server).chat.completions.create(model="ragworks", messages=[
        {"role": "user", "content": "Who won the football world cup in 1998?"}])
    assert done.choices[0].message.content == "The documents do not cover this question."
    extra = done.model_extra or {}
    assert extra["citations"] == [] and extra["ragworks"]["covered"] is False


def test_the_openapi_document_describes_the_routes(server: LiveServer) -> None:
    with server.client() as c:
        spec = c.get("/openapi.json").json()
    assert "/v1/chat/completions" in spec["paths"] and "/v1/models" in spec["paths"]
