"""The traces pages read as text: an ingestion by its file, span JSON without escapes."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import LiveServer, make_settings

DOC = b"# Travel Policy\n\n## Travel insurance\n\nEvery business trip is insured by the " \
      b"company; the policy number is TP-4471.\n"


def test_ingest_rows_and_span_json_read_as_text(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        up = c.post("/api/v1/documents", files={"file": ("travel.md", DOC, "text/markdown")})
        assert up.status_code == 201, up.text
        asked = c.post("/api/v1/query", json={"question": "What is the travel insurance "
                                                          "policy number?"}).json()
        assert "TP-4471" in asked["answer"]
        deadline = time.monotonic() + 60  # traces are written behind the answers
        while time.monotonic() < deadline and not live.services.traces.get_trace(
                "default", asked["trace_id"]):
            time.sleep(0.1)
        listing = c.get("/admin/traces").text
        assert "travel.md into default" in listing and "{&#39;source&#39;" not in listing
        page = c.get(f"/admin/traces/{asked['trace_id']}").text
        assert "Travel Policy &gt; Travel insurance" in page
        assert "\\u003e" not in page
