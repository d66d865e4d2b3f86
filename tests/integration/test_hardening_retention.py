"""Deleting a document and retention leave nothing behind: no text of a deleted document
in traces, no empty blob folders, no feedback (comments, user ids) past retention."""

from __future__ import annotations

import time
from pathlib import Path

from ragworks.usecases.upkeep import prune_traces
from tests.conftest import CORPUS, LiveServer, make_settings
from tests.integration.test_api_documents import upload


def test_deleting_a_document_leaves_no_text_or_folders(live: LiveServer) -> None:
    data = (CORPUS / "vacation-policy.md").read_bytes()
    with live.client() as c:
        doc_id = upload(c, "vacation-policy.md", data).json()["document"]["id"]
        body = c.post("/api/v1/query", json={"question": "How many vacation days do I get?"}
                      ).json()
        assert c.delete(f"/api/v1/documents/{doc_id}").status_code == 200
        trace = c.get(f"/api/v1/traces/{body['trace_id']}").json()
    retrieve = next(o for o in trace["observations"] if o["name"] == "retrieve")
    assert retrieve["output"] and all("text" not in h for h in retrieve["output"])
    assert any(h["doc_id"] == doc_id for h in retrieve["output"])
    blob_root = live.services.settings.data_dir / "blobs"
    assert not (blob_root / "default" / doc_id).exists()


def test_a_deleted_documents_passages_leave_the_prompts_of_its_traces(tmp_path: Path) -> None:
    """A model's prompt quotes the passages it was given: deleting their document takes
    them out of every stored prompt at once (not only at retention). Prompts of traces
    that did not retrieve it stay: the trace store's contract tests that side."""
    with LiveServer(make_settings(tmp_path, llm="scripted")) as live, live.client() as c:
        vacation = upload(c, "vacation-policy.md",
                          (CORPUS / "vacation-policy.md").read_bytes()).json()["document"]["id"]
        for name in ("parking.md", "wifi-guest-access.txt", "cafeteria.txt"):
            upload(c, name, (CORPUS / name).read_bytes())
        asked = {q: c.post("/api/v1/query", json={"question": q}).json()["trace_id"]
                 for q in ("How many vacation days do I get?",
                           "Where do visitors park?")}

        def prompt(trace_id: str) -> str:
            trace = c.get(f"/api/v1/traces/{trace_id}").json()
            return str(next(o["input"] for o in trace["observations"]
                            if o["type"] == "generation"))

        def quotes_vacation(trace_id: str) -> bool:
            trace = c.get(f"/api/v1/traces/{trace_id}").json()
            hits = next(o["output"] for o in trace["observations"] if o["name"] == "retrieve")
            return any(h["doc_id"] == vacation for h in hits)

        before = {q: prompt(t) for q, t in asked.items()}
        assert "vacation" in before["How many vacation days do I get?"].lower()
        assert c.delete(f"/api/v1/documents/{vacation}").status_code == 200
        for trace_id in asked.values():
            if quotes_vacation(trace_id):
                assert prompt(trace_id) == str({"removed": "the prompt quoted document "
                                                f"{vacation}, since deleted"})
        assert all(quotes_vacation(t) for t in asked.values())


def test_retention_removes_feedback_with_its_trace(live: LiveServer) -> None:
    with live.client() as c:
        trace_id = c.post("/api/v1/query", json={"question": "hello"}).json()["trace_id"]
        assert c.post("/api/v1/feedback", json={"trace_id": trace_id, "rating": "down",
                                                "comment": "call me: 0151 1234567",
                                                "user_id": "maria"}).status_code == 201
    svc = live.services
    assert svc.traces.recent_feedback("default", 10)
    svc.settings.trace_retention_days = 0.0  # everything is now past retention
    time.sleep(0.01)
    assert prune_traces(svc) >= 1
    assert svc.traces.recent_feedback("default", 10) == []
    assert svc.traces.get_trace("default", trace_id) is None
