"""Evaluation runs over HTTP: queued, followed, stored, compared; an LLM judge on loopback."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.conftest import CORPUS, LiveServer, make_settings
from tests.integration.test_openai_backend import FakeOpenAI

ITEMS = [{"question": "What does error E102 mean?", "relevant_sources": ["error-codes.txt"],
          "category": "factoid", "reference_answer": "The token expired."},
         {"question": "How long are guest Wi-Fi codes valid?",
          "relevant_sources": ["wifi-guest-access.txt"], "category": "factoid"},
         {"question": "hello there!", "category": "chitchat"}]


def _wait(c: httpx.Client, job_id: str) -> dict:
    for _ in range(300):
        job = c.get(f"/api/v1/eval/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_runs_are_queued_followed_stored_and_compared(tmp_path: Path) -> None:
    with FakeOpenAI() as judge_llm:
        judge_llm.reply = "faithfulness: 4\nrelevance: 5"
        settings = make_settings(tmp_path, openai_base_url=judge_llm.url)
        with LiveServer(settings) as live, live.client() as c:
            for name in ("error-codes.txt", "wifi-guest-access.txt"):
                live.services.ingestor.ingest((CORPUS / name).read_bytes(), name, "default")
            assert c.post("/api/v1/datasets", json={"name": "golden",
                                                    "items": ITEMS}).status_code == 201
            first = c.post("/api/v1/eval/runs", json={"dataset": "golden",
                                                      "judge": "openai:judge-model"})
            assert first.status_code == 202 and first.json()["total"] == 3
            second = c.post("/api/v1/eval/runs", json={"dataset": "golden@1",
                                                       "variant": {"top_k": 1}})
            a, b = _wait(c, first.json()["id"]), _wait(c, second.json()["id"])
            assert (a["status"], a["done"], b["status"]) == ("done", 3, "done")
            run = c.get(f"/api/v1/eval/runs/{a['run_id']}").json()
            agg = run["aggregates"]
            assert agg["recall@5"] == 1.0 and agg["classification_correct"] == 1.0
            # the judge graded the two covered answers (chitchat is not graded)
            assert (agg["judge_faithfulness"], agg["judge_relevance"]) == (0.75, 1.0)
            assert agg["judge_unparsed"] == 0 and len(judge_llm.requests) == 2
            assert run["judge"] == "judge-model" and len(run["items"]) == 3
            assert c.get(f"/api/v1/eval/runs/{b['run_id']}").json()["overrides"] == {"top_k": 1}
            runs = c.get("/api/v1/eval/runs").json()["runs"]
            assert {r["id"] for r in runs} == {a["run_id"], b["run_id"]}
            assert all("items" not in r for r in runs)
            cmp = c.get("/api/v1/eval/compare",
                        params={"a": a["run_id"], "b": b["run_id"]}).json()["metrics"]
            by = {m["metric"]: m for m in cmp}
            assert by["recall@5"]["n"] == 2 and "judge_faithfulness" not in by
            # traces of the items carry the judge's generation and scores
            item_trace = c.get(f"/api/v1/traces/{run['items'][0]['trace_id']}").json()
            assert any(o["name"] == "judge" for o in item_trace["observations"])
            assert any(s["name"] == "judge_relevance" and s["source"] == "llm_judge"
                       for s in item_trace["scores"])


def test_bad_eval_requests_and_scopes(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        c.post("/api/v1/datasets", json={"name": "golden", "items": ITEMS})
        for body, status, words in (
                ({"dataset": "nope"}, 404, "nope"),
                ({"dataset": "golden@x"}, 422, "version"),
                ({"dataset": "golden", "variant": {"prompt_version": "v9"}}, 422, "v9"),
                ({"dataset": "golden", "variant": {"chunking_profile": "small"}}, 422,
                 "reindex"),
                ({"dataset": "golden", "variant": "exp_nope/b"}, 404, "exp_nope"),
                ({"dataset": "golden", "judge": "gpt5"}, 422, "chat backend"),
                ({"dataset": ""}, 422, "dataset")):
            resp = c.post("/api/v1/eval/runs", json=body)
            assert resp.status_code == status, (body, resp.text)
            assert words in resp.text
        assert c.get("/api/v1/eval/runs/run_nope").status_code == 404
        assert c.get("/api/v1/eval/jobs/job_nope").status_code == 404
        assert c.get("/api/v1/eval/compare", params={"a": "run_x", "b": "run_y"}
                     ).status_code == 404
        assert c.get("/api/v1/eval/runs").json() == {"runs": []}  # nothing half-stored
        reader = live.services.keys.create("default", ["query"], "r")
        with live.client(reader) as r, live.client(None) as anon:
            for method, path in (("post", "/api/v1/eval/runs"), ("get", "/api/v1/eval/runs"),
                                 ("get", "/api/v1/eval/jobs"),
                                 ("get", "/api/v1/eval/compare?a=1&b=2")):
                kwargs = {"json": {"dataset": "golden"}} if method == "post" else {}
                assert getattr(r, method)(path, **kwargs).status_code == 403
                assert getattr(anon, method)(path, **kwargs).status_code == 401
