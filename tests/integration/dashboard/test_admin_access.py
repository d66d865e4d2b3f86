"""Every admin page and admin API: anonymous refused, non-admin 403, admin (key or login) in."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from ragworks.observe.store import TraceFilter
from tests.conftest import LiveServer, make_settings

PAGES = ["/admin", "/admin/dashboard", "/admin/traces", "/admin/traces/nope",
         "/admin/experiments", "/admin/evals", "/admin/alerts", "/admin/documents"]
ADMIN_GET = ["/api/v1/dashboard/tiles", "/api/v1/dashboard/series?range=1h",
             "/api/v1/dashboard/drift", "/api/v1/dashboard/timeline",
             "/api/v1/dashboard/feedback", "/api/v1/alerts", "/api/v1/alerts/history",
             "/api/v1/traces", "/api/v1/traces/nope", "/api/v1/experiments",
             "/api/v1/datasets", "/api/v1/eval/runs", "/api/v1/eval/jobs"]
ADMIN_POST = [("/api/v1/alerts", {"name": "x", "metric": "error_rate", "threshold": 1}),
              ("/api/v1/alerts/evaluate", {}), ("/api/v1/alerts/rule_x/ack", {}),
              ("/api/v1/alerts/rule_x/silence", {"seconds": 60}),
              ("/api/v1/experiments", {}), ("/api/v1/eval/runs", {"dataset": "d"})]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with LiveServer(make_settings(tmp_path_factory.mktemp("admin"))) as server:
        yield server


def test_anonymous_and_non_admin_are_refused_everywhere(live: LiveServer) -> None:
    reader = live.services.keys.create("default", ["query", "ingest"], "reader")
    with live.client(None) as anon, live.client(reader) as r:
        for path in PAGES:
            resp = anon.get(path, follow_redirects=False)
            if path == "/admin":
                assert resp.status_code == 303
                continue
            assert resp.status_code == 303, path
            assert resp.headers["location"].startswith("/admin/login?next=")
            page = r.get(path, follow_redirects=False)
            assert page.status_code == 403 and "admin scope" in page.text, path
        for path in ADMIN_GET:
            assert anon.get(path).status_code == 401, path
            assert r.get(path).status_code == 403, path
        for path, body in ADMIN_POST:
            assert anon.post(path, json=body).status_code == 401, path
            assert r.post(path, json=body).status_code == 403, path
        assert anon.delete("/api/v1/alerts/rule_x").status_code == 401
        assert r.delete("/api/v1/alerts/rule_x").status_code == 403


def test_admin_key_in_the_header_opens_every_page(live: LiveServer) -> None:
    with live.client() as c:
        for path in PAGES:
            resp = c.get(path, follow_redirects=True)
            assert resp.status_code == (404 if path.endswith("nope") else 200), path
            assert "ragworks" in resp.text
        for path in ADMIN_GET:
            assert c.get(path).status_code == (404 if path.endswith("nope") else 200), path


def test_login_session_logout_and_csrf(live: LiveServer) -> None:
    reader = live.services.keys.create("default", ["query"], "reader2")
    with httpx.Client(base_url=live.url, follow_redirects=False) as b:
        page = b.get("/admin/login?next=/admin/alerts")
        assert page.status_code == 200 and 'name="key"' in page.text
        for key, status, words in (("", 401, "missing API key"), ("rw_wrong", 401, "invalid"),
                                   (reader, 403, "admin")):
            resp = b.post("/admin/login", data={"key": key, "next": "/admin/alerts"})
            assert resp.status_code == status and words in resp.text
            assert "rw_session" not in resp.cookies
        resp = b.post("/admin/login", data={"key": "rw_test_admin_key",
                                            "next": "https://evil.example/"})
        assert resp.status_code == 303 and resp.headers["location"] == "/admin/dashboard"
        cookie = resp.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "rw_test_admin_key" not in cookie  # the key itself never leaves
        assert b.get("/admin/alerts").status_code == 200
        assert b.get("/api/v1/alerts").status_code == 200
        # a state change by cookie needs the header another site cannot send
        forged = b.post("/api/v1/alerts/evaluate")
        assert forged.status_code == 403 and "X-Requested-With" in forged.text
        ok = b.post("/api/v1/alerts/evaluate", headers={"X-Requested-With": "ragworks"})
        assert ok.status_code == 200 and len(ok.json()["rules"]) == 7
        good = b.cookies["rw_session"]
        b.cookies.set("rw_session", good[:-1] + ("1" if good[-1] == "0" else "0"))  # tampered
        assert b.get("/admin/alerts").status_code == 303
        assert b.get("/api/v1/alerts").status_code == 401
        b.cookies.clear()
        b.post("/admin/login", data={"key": "rw_test_admin_key"})
        out = b.post("/admin/logout")
        assert out.status_code == 303 and 'rw_session=""' in out.headers["set-cookie"]
        b.cookies.clear()
        assert b.get("/admin/dashboard").status_code == 303


def test_dashboard_data_follow_real_traffic_and_bad_input(live: LiveServer) -> None:
    with live.client() as c:
        before = c.get("/api/v1/dashboard/tiles").json()
        c.post("/api/v1/query", json={"question": "hello there"})
        after = c.get("/api/v1/dashboard/tiles").json()
        assert after["requests_last_hour"] == before["requests_last_hour"] + 1
        assert after["latency_p95_ms"] is not None and after["error_rate"] == 0
        for r in ("1h", "24h", "7d", "30d"):
            s = c.get("/api/v1/dashboard/series", params={"range": r}).json()
            assert sum(s["volume"]["requests"]) >= 1, r
            assert len(s["t"]) in (60, 61, 96, 97, 168, 169, 120, 121)
        bad = c.get("/api/v1/dashboard/series", params={"range": "2w"})
        assert bad.status_code == 422 and "range must be one of" in bad.json()["detail"]
        assert c.get("/api/v1/dashboard/drift", params={"recent_hours": 0}).status_code == 422
        rule = c.post("/api/v1/alerts", json={"name": "x", "metric": "nope", "threshold": 1})
        assert rule.status_code == 422 and "unknown metric" in rule.json()["detail"]
        assert c.post("/api/v1/alerts", content=b"{", headers={
            "content-type": "application/json"}).status_code == 422
        assert c.post("/api/v1/alerts/rule_nope/ack").status_code == 404
        rules = c.get("/api/v1/alerts").json()["rules"]
        assert c.post(f"/api/v1/alerts/{rules[0]['id']}/silence",
                      json={"seconds": -5}).status_code == 422
        silenced = c.post(f"/api/v1/alerts/{rules[0]['id']}/silence", json={"seconds": 600})
        assert silenced.json()["silenced_until"] > time.time() + 500
        assert c.get("/api/v1/alerts/history").json()["events"][0]["state"] == "silenced"


def test_static_files_are_served_from_the_package(live: LiveServer) -> None:
    with live.client(None) as anon:
        js = anon.get("/static/vendor/uPlot.iife.min.js")
        assert js.status_code == 200 and "uPlot" in js.text[:2000]
        assert anon.get("/static/admin.js").status_code == 200
        assert anon.get("/static/../settings.py").status_code == 404


def test_sessions_end_when_the_key_is_revoked(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live:
        key = live.services.keys.create("default", ["admin"], "temp-admin")
        with httpx.Client(base_url=live.url, follow_redirects=False) as b:
            assert b.post("/admin/login", data={"key": key}).status_code == 303
            assert b.get("/admin/dashboard").status_code == 200
            from ragworks.auth import hash_key
            live.services.records._conn().execute(
                "DELETE FROM api_keys WHERE key_hash=?", (hash_key(key),))
            assert b.get("/admin/dashboard").status_code == 303


def test_the_demo_asks_the_sample_questions_once(tmp_path: Path) -> None:
    from ragworks.cli import ingest_paths, sample_corpus
    from ragworks.services import Services
    from ragworks.usecases import ask_sample_questions

    svc = Services(make_settings(tmp_path))
    try:
        ingest_paths(svc, [sample_corpus()], "default", "samples")
        assert ask_sample_questions(svc) == 16
        assert ask_sample_questions(svc) == 0  # a restart does not ask again
        rows, total = svc.traces.list_traces("default", TraceFilter(name="query"), limit=100)
        assert total == 16 and {r["category"] for r in rows} >= {
            "factoid", "multi_hop", "summary", "out_of_scope", "chitchat"}
    finally:
        svc.close()
