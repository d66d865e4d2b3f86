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
            # weak passages (best dense 0.30 against the floor 0.25): the refusal stands
            r = c.post("/api/v1/query", json={"question": f"Who pays for a guest's lunch? "
                                                          f"({n})"})
            assert r.status_code == 200
            body = r.json()
            assert body["answer"] == REFUSAL, body["answer"]
            assert body["covered"] is False and body["citations"] == []
            trace = c.get(f"/api/v1/traces/{body['trace_id']}").json()
            assert trace["metadata"]["refused_by"] == "scripted"
            gen = next(o for o in trace["observations"] if o["name"] == "generate")
            assert gen["metadata"]["refused"] is True
            assert "withdrawn" not in gen["metadata"] and "fallback_reason" not in gen["metadata"]
        # strong passages (the code's validity is written there): a refusal is the model
        # missing what it read, so it is withdrawn and the extractive answer stands in
        chat.replies = [REFUSAL]
        body = c.post("/api/v1/query", json={"question": "How long is a guest Wi-Fi code "
                                                         "valid?"}).json()
        assert body["covered"] is True and "do not cover" not in body["answer"], body
        assert body["citations"][0]["source"] == "wifi-guest-access.txt"
        trace = c.get(f"/api/v1/traces/{body['trace_id']}").json()
        gen = next(o for o in trace["observations"] if o["name"] == "generate")
        assert gen["metadata"]["fallback_reason"] == "ungrounded"
        assert gen["metadata"]["withdrawn"][0]["problems"] == [
            "a refusal despite strong passages"]
        assert "refused_by" not in trace["metadata"]
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
            if tiles["requests_last_hour"] >= 6:
                break
            time.sleep(0.2)
        assert tiles["requests_last_hour"] == 6
        assert tiles["not_covered_rate"] == round(5 / 6, 4), tiles  # 3 refused, 2 replaced
