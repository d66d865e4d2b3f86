"""A/B experiments over HTTP: assignment on real queries, feedback, results, promotion."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import CORPUS, LiveServer, make_settings

SPEC = {"name": "top-k", "primary_metric": "thumbs_up",
        "variants": [{"name": "control", "overrides": {}},
                     {"name": "k3", "overrides": {"top_k": 3}}],
        "guardrails": {"p95_latency_ms": 0.001}}  # so tight that it is breached


def test_experiment_lifecycle(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        live.services.ingestor.ingest((CORPUS / "error-codes.txt").read_bytes(),
                                      "error-codes.txt", "default")
        exp = c.post("/api/v1/experiments", json=SPEC).json()
        assert exp["status"] == "draft"
        assert c.post(f"/api/v1/experiments/{exp['id']}/stop").status_code == 409
        assert c.post(f"/api/v1/experiments/{exp['id']}/start").json()["status"] == "running"
        second = c.post("/api/v1/experiments", json=SPEC).json()
        assert c.post(f"/api/v1/experiments/{second['id']}/start").status_code == 409
        seen: dict[str, set[int]] = {}
        for i in range(40):
            user = f"user-{i % 20}"
            body = c.post("/api/v1/query", json={"question": "What does error E102 mean?",
                                                 "user_id": user}).json()
            trace = c.get(f"/api/v1/traces/{body['trace_id']}").json()
            variant = trace["variant"].split("/", 1)[1]
            seen.setdefault(user, set()).add(body["plan"]["top_k"])
            assert body["plan"]["top_k"] == (3 if variant == "k3" else 5)
            rating = "up" if variant == "k3" or i % 3 else "down"
            c.post("/api/v1/feedback", json={"trace_id": body["trace_id"], "rating": rating,
                                             "user_id": user})
        assert all(len(k) == 1 for k in seen.values())  # sticky per user
        anonymous = c.post("/api/v1/query", json={"question": "What does E102 mean?"}).json()
        assert c.get(f"/api/v1/traces/{anonymous['trace_id']}").json()["variant"] == ""
        res = c.get(f"/api/v1/experiments/{exp['id']}/results").json()
        by = {v["variant"]: v for v in res["variants"]}
        assert by["control"]["traces"] + by["k3"]["traces"] == 40
        assert by["k3"]["samples"] == by["k3"]["traces"]
        assert by["k3"]["estimate"] == 1.0 and by["k3"]["decision"] in (
            "keep running", "variant wins")
        assert by["k3"]["p_value"] is not None and by["k3"]["guardrail_breaches"]
        promoted = c.post(f"/api/v1/experiments/{exp['id']}/promote",
                          json={"variant": "k3"}).json()
        assert promoted["status"] == "promoted" and promoted["promoted"]["by"].startswith("key:")
        after = c.post("/api/v1/query", json={"question": "What does error E102 mean?"}).json()
        assert after["plan"]["top_k"] == 3  # the promoted variant is now the default
    with LiveServer(make_settings(tmp_path)) as again, again.client() as c:  # survives restart
        listing = c.get("/api/v1/experiments").json()
        assert listing["active_config"] == {"top_k": 3}
        assert listing["config_history"][0]["variant"] == "k3"
        assert {e["status"] for e in listing["experiments"]} == {"promoted", "draft"}


def test_bad_experiments_and_scopes(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        one = {**SPEC, "variants": SPEC["variants"][:1]}
        assert c.post("/api/v1/experiments", json=one).status_code == 422
        bad = {**SPEC, "variants": [{"name": "a", "overrides": {"temperature": 3}},
                                    {"name": "b", "overrides": {}}]}
        resp = c.post("/api/v1/experiments", json=bad)
        assert resp.status_code == 422 and "temperature" in resp.json()["detail"]
        nofile = {**SPEC, "variants": [{"name": "a", "overrides": {"classifier_path": "/no.npz"}},
                                       {"name": "b"}]}
        resp = c.post("/api/v1/experiments", json=nofile)
        assert resp.status_code == 422 and "classifier_path" in resp.json()["detail"]
        dup = {**SPEC, "variants": [{"name": "a"}, {"name": "a"}]}
        assert c.post("/api/v1/experiments", json=dup).status_code == 422
        metric = {**SPEC, "primary_metric": "vibes"}
        assert c.post("/api/v1/experiments", json=metric).status_code == 422
        assert c.get("/api/v1/experiments/exp_nope").status_code == 404
        reader = live.services.keys.create("default", ["query"], "r")
        with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {reader}"}) as r:
            assert r.post("/api/v1/experiments", json=SPEC).status_code == 403
