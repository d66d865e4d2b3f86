"""Load and abuse on a real server: per-key quotas (429 + Retry-After), a bounded number
of requests at once (503 + Retry-After instead of unbounded queueing), health that
answers under load, and /metrics that is not public."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.conftest import CORPUS, LiveServer, make_settings


def test_a_key_past_its_quota_gets_429_with_retry_after(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, rate_limit_per_minute=60, rate_limit_burst=5)
    with LiveServer(settings) as live, live.client() as c:
        other = live.services.keys.create("default", ["query"], "other")
        statuses = [c.post("/api/v1/query", json={"question": "hi"}) for _ in range(8)]
        codes = [r.status_code for r in statuses]
        assert codes[:5] == [200] * 5 and 429 in codes[5:]
        limited = next(r for r in statuses if r.status_code == 429)
        assert int(limited.headers["retry-after"]) >= 1
        assert "rate limit" in limited.json()["detail"]
        with live.client(other) as o:  # another key has its own bucket
            assert o.post("/api/v1/query", json={"question": "hi"}).status_code == 200


def test_past_the_in_flight_limit_requests_are_shed_and_health_stays_fast(
        tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_in_flight=2, rate_limit_per_minute=0)
    with LiveServer(settings) as live:
        for name in ("vacation-policy.md", "battery-care.pdf", "wifi-guest-access.txt"):
            live.services.ingestor.ingest((CORPUS / name).read_bytes(), name, "default")
        health_ms: list[float] = []

        def probe_health() -> None:
            with httpx.Client(base_url=live.url, timeout=30) as h:
                for _ in range(10):
                    t0 = time.perf_counter()
                    assert h.get("/healthz").status_code == 200
                    health_ms.append((time.perf_counter() - t0) * 1000)
                    time.sleep(0.05)

        def ask(i: int) -> httpx.Response:
            with live.client() as c:
                return c.post("/api/v1/query", json={
                    "question": f"How many vacation days do I get? ({i})"})

        with ThreadPoolExecutor(25) as pool:
            prober = pool.submit(probe_health)
            answers = list(pool.map(ask, range(40)))
            prober.result()
        codes = [r.status_code for r in answers]
        assert set(codes) <= {200, 503}, codes
        assert codes.count(503) >= 1 and codes.count(200) >= 2
        shed = next(r for r in answers if r.status_code == 503)
        assert shed.headers["retry-after"] == "1" and "limit" in shed.json()["detail"]
        assert max(health_ms) < 1000, health_ms


def test_metrics_are_for_loopback_or_a_token(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live:
        assert httpx.get(f"{live.url}/metrics").status_code == 200  # the test is on loopback
    with LiveServer(make_settings(tmp_path / "t", metrics_token="s3cret")) as live:
        assert httpx.get(f"{live.url}/metrics").status_code == 401
        assert httpx.get(f"{live.url}/metrics",
                         headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = httpx.get(f"{live.url}/metrics", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and "ragworks" in ok.text


def test_metrics_refuse_a_caller_from_elsewhere(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ragworks.api.app import create_app

    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:  # its requests come from "testclient", not loopback
        resp = client.get("/metrics")
        assert resp.status_code == 403 and "RAGWORKS_METRICS_TOKEN" in resp.json()["detail"]
