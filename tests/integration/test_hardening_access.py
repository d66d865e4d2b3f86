"""Keys can be listed and revoked, logout ends a session on the server, and every page
carries security headers with no inline script; /docs needs no CDN."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import ROOT, LiveServer


def test_keys_are_listed_created_and_revoked_over_http(live: LiveServer) -> None:
    with live.client() as c:
        made = c.post("/api/v1/keys", json={"name": "ci-bot", "scopes": ["query"]})
        assert made.status_code == 201
        key, key_id = made.json()["key"], made.json()["id"]
        listed = c.get("/api/v1/keys").json()["keys"]
        assert {"ci-bot"} <= {k["name"] for k in listed}
        assert all(len(k["id"]) == 12 and "key" not in k for k in listed)
        assert key not in str(listed)  # only the id, never the key
        with live.client(key) as bot:
            assert bot.post("/api/v1/query", json={"question": "hi"}).status_code == 200
            assert bot.get("/api/v1/keys").status_code == 403  # not an admin
            assert c.delete(f"/api/v1/keys/{key_id}").json()["revoked"] is True
            assert bot.post("/api/v1/query", json={"question": "hi"}).status_code == 401
        assert c.delete(f"/api/v1/keys/{key_id}").status_code == 404
        assert c.delete("/api/v1/keys/not-hex").status_code == 404
        assert c.post("/api/v1/keys", json={"name": "x", "scopes": ["root"]}).status_code == 422
        assert c.post("/api/v1/keys", json={"name": ""}).status_code == 422


def test_another_tenants_key_cannot_be_seen_or_revoked(live: LiveServer) -> None:
    other = live.services.keys.create("globex", ["admin"], "globex-admin")
    other_id = live.services.keys.list("globex")[0]["id"]
    with live.client() as c:
        assert "globex-admin" not in str(c.get("/api/v1/keys").json())
        assert c.delete(f"/api/v1/keys/{other_id}").status_code == 404
    with live.client(other) as g:
        assert g.get("/api/v1/keys").status_code == 200


def test_logout_ends_the_session_on_the_server(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, follow_redirects=False) as b:
        assert b.post("/admin/login", data={"key": "rw_test_admin_key"}).status_code == 303
        cookie = b.cookies["rw_session"]
        assert b.get("/admin/dashboard").status_code == 200
        assert b.post("/admin/logout").status_code == 303
    # someone who copied the cookie before logout is refused
    with httpx.Client(base_url=live.url, follow_redirects=False,
                      cookies={"rw_session": cookie}) as thief:
        assert thief.get("/admin/dashboard").status_code == 303
        resp = thief.get("/api/v1/alerts")
        assert resp.status_code == 401 and "logged out" in resp.json()["detail"]


def test_revoking_a_key_ends_its_browser_sessions(live: LiveServer) -> None:
    key = live.services.keys.create("default", ["admin"], "temp-admin")
    with httpx.Client(base_url=live.url, follow_redirects=False) as b:
        assert b.post("/admin/login", data={"key": key}).status_code == 303
        assert b.get("/admin/traces").status_code == 200
        key_id = next(k["id"] for k in live.services.keys.list("default")
                      if k["name"] == "temp-admin")
        live.services.keys.revoke("default", key_id)
        assert b.get("/admin/traces").status_code == 303


def test_cli_lists_and_revokes_keys(tmp_path: Path) -> None:
    env = {"RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_ENV": "test", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    cli = [sys.executable, "-m", "ragworks.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True,
                              timeout=300, cwd=ROOT)

    made = run("keys", "create", "--name", "laptop", "--scopes", "query")
    assert made.returncode == 0, made.stderr
    listed = run("keys", "list")
    assert "laptop" in listed.stdout
    key_id = re.search(r"([0-9a-f]{12}).*laptop", listed.stdout).group(1)  # type: ignore[union-attr]
    revoked = run("keys", "revoke", key_id)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert "laptop" not in run("keys", "list").stdout
    again = run("keys", "revoke", key_id)
    assert again.returncode == 2 and "no API key" in again.stderr


def test_every_page_has_security_headers_and_no_inline_script(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, follow_redirects=False) as b:
        b.post("/admin/login", data={"key": "rw_test_admin_key"})
        pages = ["/", "/admin/login", "/admin/dashboard", "/admin/traces", "/admin/alerts",
                 "/admin/experiments", "/admin/evals", "/docs"]
        for path in pages:
            resp = b.get(path)
            assert resp.status_code == 200, path
            csp = resp.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert resp.headers["x-content-type-options"] == "nosniff"
            assert resp.headers["referrer-policy"] == "no-referrer"
            scripts = re.findall(r"<script([^>]*)>(.*?)</script>", resp.text, re.S)
            assert all("src=" in attrs and not body.strip() for attrs, body in scripts), path
            assert not re.search(r"\son[a-z]+=", resp.text), path
            assert "cdn" not in resp.text.lower() and "https://" not in resp.text, path
        assert b.get("/api/v1/documents").headers["x-content-type-options"] == "nosniff"
        for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css",
                      "/static/docs.js", "/static/chat.js", "/favicon.ico"):
            assert b.get(asset).status_code == 200, asset


def test_database_files_are_private_to_their_owner(live: LiveServer) -> None:
    data = Path(live.services.settings.data_dir)
    dbs = list(data.rglob("*.db"))
    assert dbs
    for db in dbs:
        assert stat.S_IMODE(db.stat().st_mode) == 0o600, db
