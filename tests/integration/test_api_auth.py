"""Keys, scopes and tenant isolation."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer
from tests.integration.test_api_documents import MD, upload


def test_missing_or_wrong_key_is_401(live: LiveServer) -> None:
    for key in (None, "rw_not_a_key"):
        with live.client(key) as c:
            for method, path in (("GET", "/api/v1/documents"), ("POST", "/api/v1/query"),
                                 ("GET", "/api/v1/documents/abc"),
                                 ("DELETE", "/api/v1/documents/abc")):
                resp = c.request(method, path, json={"question": "hi"})
                assert resp.status_code == 401, (key, method, path)
                assert "API key" in resp.json()["detail"]
    with live.client(None) as c:
        assert upload(c, "kettle.md", MD).status_code == 401


def test_query_scope_cannot_ingest(live: LiveServer) -> None:
    key = live.services.keys.create("default", ["query"], "reader")
    with live.client(key) as c:
        resp = upload(c, "kettle.md", MD)
        assert resp.status_code == 403 and "ingest" in resp.json()["detail"]
        assert c.get("/api/v1/documents").status_code == 200


def test_tenants_never_see_each_other(live: LiveServer) -> None:
    key_a = live.services.keys.create("acme", ["query", "ingest"], "a")
    key_b = live.services.keys.create("globex", ["query", "ingest"], "b")
    with live.client(key_a) as a, live.client(key_b) as b:
        doc = upload(a, "kettle.md", MD).json()["document"]["id"]
        assert b.get(f"/api/v1/documents/{doc}").status_code == 404
        assert b.delete(f"/api/v1/documents/{doc}").status_code == 404
        assert b.get("/api/v1/documents").json()["total"] == 0
        hits = b.post("/api/v1/query", json={"question": "How often should I descale the kettle?",
                                             "include_hits": True}).json()
        assert hits["hits"] == [] and not hits["covered"]
        # the same content in another tenant is a separate document
        assert upload(b, "kettle.md", MD).json()["status"] == "created"
        assert a.get(f"/api/v1/documents/{doc}").status_code == 200


def test_a_key_without_bearer_is_told_how_to_send_it(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, headers={"Authorization": "rw_test_admin_key"}) as c:
        resp = c.get("/api/v1/documents")
    assert resp.status_code == 401 and "Bearer <key>" in resp.json()["detail"]
