"""The service's own traffic (evaluation runs, the demo's sample questions) never mixes
into production tiles, charts or drift; a filter shows it apart."""

from __future__ import annotations

import time
from pathlib import Path

from ragworks.usecases import ask_sample_questions
from tests.conftest import CORPUS, LiveServer, make_settings


def test_evaluation_and_sample_traffic_stay_out_of_production_figures(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path, alert_interval_s=0)) as live, live.client() as c:
        svc = live.services
        svc.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(), "error-codes.txt",
                            "default")
        assert ask_sample_questions(svc) > 0  # the demo's warm-up questions (asked first)
        for _ in range(2):
            assert c.post("/api/v1/query", json={"question": "What does error E102 mean?"}
                          ).status_code == 200
        assert c.post("/api/v1/datasets", json={"name": "mini", "items": [
            {"question": "What does error E102 mean?", "relevant_sources": ["error-codes.txt"],
             "category": "factoid"}] * 3}).status_code == 201
        job = c.post("/api/v1/eval/runs", json={"dataset": "mini"}).json()
        deadline = time.monotonic() + 300
        while c.get(f"/api/v1/jobs/{job['id']}").json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.2)

        production = c.get("/api/v1/dashboard/tiles").json()
        assert production["requests_last_hour"] == 2
        evaluation = c.get("/api/v1/dashboard/tiles", params={"traffic": "evaluation"}).json()
        assert evaluation["requests_last_hour"] == 3
        sample = c.get("/api/v1/dashboard/tiles", params={"traffic": "sample"}).json()
        assert sample["requests_last_hour"] >= 1
        series = c.get("/api/v1/dashboard/series", params={"range": "1h"}).json()
        assert sum(series["volume"]["requests"]) == 2
        assert c.get("/api/v1/dashboard/tiles",
                     params={"traffic": "everything"}).status_code == 422
        drift_vectors = svc.traces.query_vectors("default", time.time() - 3600)
        assert sum(count for _, count, _ in drift_vectors) == 2  # drift: production only
