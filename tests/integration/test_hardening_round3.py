"""The third round of hardening (issue 24): each finding of the review, as it was seen."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import CORPUS, LiveServer, make_settings

SPEC = {"name": "paths", "primary_metric": "thumbs_up"}


def test_a_reused_key_name_gets_a_new_id_and_revoking_it_revokes_exactly_that_key(
        live: LiveServer) -> None:
    with live.client() as c:
        first = c.post("/api/v1/keys", json={"name": "ci-bot"}).json()
        second = c.post("/api/v1/keys", json={"name": "ci-bot"}).json()
        assert first["id"] != second["id"]
        assert c.delete(f"/api/v1/keys/{second['id']}").json()["revoked"] is True
        with live.client(second["key"]) as revoked, live.client(first["key"]) as kept:
            assert revoked.post("/api/v1/query", json={"question": "hi"}).status_code == 401
            assert kept.post("/api/v1/query", json={"question": "hi"}).status_code == 200
        ids = {k["id"] for k in c.get("/api/v1/keys").json()["keys"]}
        assert first["id"] in ids and second["id"] not in ids


def test_overrides_never_take_a_path_and_are_no_file_oracle(live: LiveServer) -> None:
    with live.client() as c:
        answers = []
        for path in ("/etc/shadow", "/etc/passwd", "/no/such/file"):
            spec = {**SPEC, "variants": [{"name": "control"},
                                         {"name": "b", "overrides": {"classifier_path": path}}]}
            r = c.post("/api/v1/experiments", json=spec)
            answers.append((r.status_code, r.json()["detail"].replace(path, "<p>")))
        assert {a for a in answers} == {answers[0]} and answers[0][0] == 422  # same answer
        ok = {**SPEC, "variants": [{"name": "control"},
                                   {"name": "b", "overrides": {"classifier": "shipped"}}]}
        assert c.post("/api/v1/experiments", json=ok).status_code == 201
        bad = {**SPEC, "variants": [{"name": "control"},
                                    {"name": "b", "overrides": {"classifier": "/etc/passwd"}}]}
        assert c.post("/api/v1/experiments", json=bad).status_code == 422


def test_a_config_that_cannot_answer_is_refused_at_promote_and_control_restores_defaults(
        tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        live.services.ingestor.ingest((CORPUS / "warranty.txt").read_bytes(), "warranty.txt",
                                      "default")
        spec = {**SPEC, "variants": [
            {"name": "control"}, {"name": "k3", "overrides": {"top_k": 3}},
            {"name": "untrained", "overrides": {"classifier": "trained"}}]}  # no such file
        exp = c.post("/api/v1/experiments", json=spec).json()
        r = c.post(f"/api/v1/experiments/{exp['id']}/promote", json={"variant": "untrained"})
        assert r.status_code == 422 and "cannot answer" in r.json()["detail"]
        assert c.get("/api/v1/experiments").json()["active_config"] == {}
        assert c.post("/api/v1/query", json={"question": "How long is the warranty?"}
                      ).status_code == 200
        assert c.post(f"/api/v1/experiments/{exp['id']}/promote",
                      json={"variant": "k3"}).status_code == 200
        assert c.get("/api/v1/experiments").json()["active_config"] == {"top_k": 3}
        assert c.post(f"/api/v1/experiments/{exp['id']}/promote",
                      json={"variant": "control"}).status_code == 200
        assert c.get("/api/v1/experiments").json()["active_config"] == {}


def test_a_stored_path_override_from_before_is_ignored_not_a_500(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        live.services.experiments.store.update_active_config(
            "default", lambda current: {"classifier_path": "/etc/passwd"}, "old", {})
        r = c.post("/api/v1/query", json={"question": "hello there"})
        assert r.status_code == 200, r.text


def test_login_and_logout_refuse_cross_site_forms(live: LiveServer) -> None:
    form = {"key": "rw_test_admin_key", "next": "/admin/dashboard"}
    with httpx.Client(base_url=live.url, follow_redirects=False) as c:
        for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                        {"Origin": "null"}):
            r = c.post("/admin/login", data=form, headers=headers)
            assert r.status_code == 403 and "set-cookie" not in r.headers, headers
            assert c.post("/admin/logout", headers=headers).status_code == 403
        own = c.post("/admin/login", data=form, headers={"Origin": live.url,
                                                         "Sec-Fetch-Site": "same-origin"})
        assert own.status_code == 303 and "samesite=strict" in own.headers["set-cookie"].lower()
        assert c.post("/admin/login", data=form).status_code == 303  # curl: no browser headers
        out = c.post("/admin/logout", headers={"Origin": live.url})
        assert out.status_code == 303
