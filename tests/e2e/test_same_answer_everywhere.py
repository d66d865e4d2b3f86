"""One configuration, one answer: a promoted configuration applies alike over HTTP, from the
CLI and in an evaluation run, because all three go through the same use case."""

from __future__ import annotations

import json
from pathlib import Path

from ragworks.models import Scope
from ragworks.services import Services
from tests.conftest import CORPUS, LiveServer, make_settings
from tests.e2e.test_cli import run

QUESTION = "What does error E102 mean?"
PROMOTED = {"llm": "scripted", "top_k": 2}


def test_a_promoted_configuration_answers_alike_over_http_cli_and_evaluation(
        tmp_path: Path) -> None:
    svc = Services(make_settings(tmp_path))
    svc.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(), "error-codes.txt", "default")
    before = svc.pipeline.run(QUESTION, Scope(tenant="default")).model
    svc.experiments.store.update_active_config("default", lambda cur: {**cur, **PROMOTED},
                                               "test", {"reason": "promoted by the test"})
    svc.close()
    assert before == "extractive"

    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        http = c.post("/api/v1/query", json={"question": QUESTION}).json()
    cli = json.loads(run(["ask", QUESTION, "--json"], tmp_path).stdout)
    dataset = tmp_path / "one.jsonl"
    dataset.write_text(json.dumps({"question": QUESTION,
                                   "relevant_sources": ["error-codes.txt"]}) + "\n")
    stored = json.loads(run(["eval", "run", "--dataset", str(dataset), "--json"],
                            tmp_path).stdout)
    svc = Services(make_settings(tmp_path))
    item = svc.runs.get("default", stored["id"])["items"][0]
    svc.close()

    assert (http["model"], http["plan"]["top_k"]) == ("scripted", 2)
    assert (cli["model"], cli["plan"]["top_k"]) == ("scripted", 2)
    assert (item["model"], item["top_k"]) == ("scripted", 2)
    assert http["answer"] == cli["answer"] == item["answer"]
    assert [c["source"] for c in http["citations"]] == [c["source"] for c in cli["citations"]]
