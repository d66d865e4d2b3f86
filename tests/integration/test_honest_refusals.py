"""A refusal stays a refusal (issue 25): when the model reads the passages and says they do
not answer, the reader is told so, not shown the passages' nearest sentence; and the
dashboard's not-covered rate counts every refusal and every answer the model could not
write."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import CORPUS, LiveServer, make_settings

REFUSAL = "The documents do not cover this question."


def _tiles(c) -> dict:  # type: ignore[no-untyped-def]
    return c.get("/api/v1/dashboard/tiles").json()


def test_a_model_refusal_is_shown_and_counted_not_replaced(tmp_path: Path) -> None:
    doc = (CORPUS / "wifi-guest-access.txt").read_text()
    with LiveServer(make_settings(tmp_path, llm="scripted")) as live, live.client() as c:
        live.services.ingestor.ingest(doc.encode(), "wifi-guest-access.txt", "default")
        chat = live.services.chat("scripted")
        # the first, second and hundredth-like question: each refusal is its own answer
        for n in range(3):
            chat.replies = [REFUSAL]
            r = c.post("/api/v1/query", json={"question": "Can I bring my dog to the Wi-Fi "
                                                          f"lounge? ({n})"})
            assert r.status_code == 200
            body = r.json()
            assert body["answer"] == REFUSAL, body["answer"]
            assert body["covered"] is False and body["citations"] == []
            trace = c.get(f"/api/v1/traces/{body['trace_id']}").json()
            assert trace["metadata"]["refused_by"] == "scripted"
            gen = next(o for o in trace["observations"] if o["name"] == "generate")
            assert gen["metadata"]["refused"] is True
            assert "withdrawn" not in gen["metadata"] and "fallback_reason" not in gen["metadata"]
        # a refusal that is not the model's first sentence is withdrawn as before, and the
        # answer the model could not write is replaced, and counted as not covered
        chat.replies = ["Guest codes are free. The documents do not cover this question."]
        body = c.post("/api/v1/query", json={"question": "How long is a guest Wi-Fi code "
                                                         "valid?"}).json()
        assert body["covered"] is True and "do not cover" not in body["answer"]
        # and a model answer that holds up is answered and not counted
        chat.replies = ["Guest codes stay valid for 24 hours. [1]"]
        body = c.post("/api/v1/query", json={"question": "How long is a guest Wi-Fi code "
                                                         "valid?"}).json()
        assert body["covered"] is True and "24 hours" in body["answer"]
        assert body["citations"][0]["source"] == "wifi-guest-access.txt"
        deadline = time.monotonic() + 60  # rollups are written behind the answers
        while time.monotonic() < deadline:
            tiles = _tiles(c)
            if tiles["requests_last_hour"] >= 5:
                break
            time.sleep(0.2)
        assert tiles["requests_last_hour"] == 5
        assert tiles["not_covered_rate"] == 0.8, tiles  # 3 refusals + 1 replaced, of 5
