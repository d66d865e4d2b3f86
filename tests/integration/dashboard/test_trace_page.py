"""The trace page shows what the grounding check withdrew, not only what was shown."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CORPUS, LiveServer, make_settings


def test_the_withdrawn_model_output_is_on_the_trace_page(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path, llm="scripted")) as live, live.client() as c:
        live.services.ingestor.ingest((CORPUS / "wifi-guest-access.txt").read_bytes(),
                                      "wifi-guest-access.txt", "default")
        live.services.chat("scripted").replies = ["Guest codes stay valid for 90 days. [1]"]
        body = c.post("/api/v1/query",
                      json={"question": "How long is a guest Wi-Fi code valid?"}).json()
        assert body["model"] == "extractive" and "90 days" not in body["answer"]
        page = c.get(f"/admin/traces/{body['trace_id']}")
        assert page.status_code == 200
        assert "Withdrawn model output" in page.text
        assert "Guest codes stay valid for 90 days." in page.text
