"""Bad, duplicate, unauthorised and concurrent requests on /api/v1/sources; a file that
changes while it is read; a sync killed with kill -9 halfway, finished by the next one."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragworks.errors import Conflict
from ragworks.services import Services
from ragworks.sources.connectors import FolderSource, ItemUnreadable
from ragworks.usecases import syncing
from tests.conftest import CORPUS, LiveServer, make_settings
from tests.integration.sources.helpers import corpus_folder, in_folder, indexed, until


def test_bad_duplicate_and_unauthorised_requests(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    folder = corpus_folder(root / "docs")
    outside = corpus_folder(tmp_path / "outside")
    settings = make_settings(tmp_path / "data", source_roots=[str(root)], source_check_s=0)
    with LiveServer(settings) as live, live.client() as c:
        ok = {"kind": "folder", "path": str(folder)}
        bad = [({}, 422, "kind"), ({"kind": "ftp", "url": "ftp://x"}, 422, "kind"),
               ({"kind": "folder", "path": "docs"}, 422, "absolute path"),
               ({"kind": "folder", "path": str(outside)}, 403, "RAGWORKS_SOURCE_ROOTS"),
               ({"kind": "folder", "path": str(root / "missing")}, 422, "not a folder"),
               ({"kind": "folder", "path": "/etc/../" + str(outside)}, 403, "SOURCE_ROOTS"),
               ({"kind": "s3", "prefix": "x/"}, 422, "bucket"),
               ({"kind": "website", "url": "example.com"}, 422, "http"),
               ({"kind": "website", "url": "http://127.0.0.1:9/"}, 403, "private"),
               ({"kind": "website", "url": "https://example.com", "max_pages": 10**6},
                422, "max_pages"),
               ({**ok, "collection": "no spaces"}, 422, "collection"),
               ({**ok, "colour": "blue"}, 422, "colour"),
               ({**ok, "interval_s": -1}, 422, "interval_s")]
        for body, code, words in bad:
            resp = c.post("/api/v1/sources", json=body)
            assert resp.status_code == code and words in resp.text, (body, resp.text)
        assert c.post("/api/v1/sources", content=b"{not json",
                      headers={"Content-Type": "application/json"}).status_code == 422
        huge = c.post("/api/v1/sources", json={**ok, "name": "x" * 5_000_000})
        assert huge.status_code == 413
        assert c.get("/api/v1/sources").json()["sources"] == []  # nothing half-made

        first = c.post("/api/v1/sources", json=ok)
        assert first.status_code == 201
        again = c.post("/api/v1/sources", json=ok)
        assert again.status_code == 409 and first.json()["id"] in again.text
        sid = first.json()["id"]

        reader = live.services.keys.create("default", ["query"], "reader")
        uploader = live.services.keys.create("default", ["ingest"], "uploader")
        with live.client(None) as anon, live.client(reader) as r, live.client(uploader) as u:
            assert anon.get("/api/v1/sources").status_code == 401
            assert r.get("/api/v1/sources").status_code == 403
            assert u.get("/api/v1/sources").status_code == 200
            assert u.post("/api/v1/sources", json={**ok, "collection": "b"}).status_code == 403
            assert u.delete(f"/api/v1/sources/{sid}").status_code == 403
            assert u.post(f"/api/v1/sources/{sid}/sync").status_code == 202
        other = live.services.keys.create("other", ["admin"], "other tenant")
        with live.client(other) as o:  # another tenant's source is not there
            assert o.get(f"/api/v1/sources/{sid}").status_code == 404
            assert o.post(f"/api/v1/sources/{sid}/sync").status_code == 404
            assert o.delete(f"/api/v1/sources/{sid}").status_code == 404
        assert c.get("/api/v1/sources/src_nope").status_code == 404
        assert len(c.get("/api/v1/sources").json()["sources"]) == 1


def test_one_syncer_at_a_time(tmp_path: Path) -> None:
    folder = corpus_folder(tmp_path / "docs")
    with Services(make_settings(tmp_path / "data")) as svc:
        source = syncing.add_source(svc, "default", {"kind": "folder", "path": str(folder)},
                                     trusted=True)
        sid = source["id"]
        assert svc.sources.acquire("default", sid, "another-worker", 60, time.time())
        assert syncing.sync_source(svc, "default", sid)["status"] == "busy"
        with pytest.raises(Conflict, match="being synced"):
            syncing.remove_source(svc, "default", sid)
        assert indexed(svc) == set()
        svc.sources.release("default", sid, "another-worker")
        assert syncing.sync_source(svc, "default", sid)["status"] == "ok"
        assert indexed(svc) == in_folder(folder)


def test_a_file_that_changes_while_it_is_read_waits_for_the_next_sync(tmp_path: Path) -> None:
    folder = corpus_folder(tmp_path / "docs")
    item = next(i for i in FolderSource(folder, 10**6).items()
                if i.key == "vacation-policy.md")
    time.sleep(0.01)
    with (folder / "vacation-policy.md").open("a") as f:
        f.write("one more line\n")
    with pytest.raises(ItemUnreadable, match="changed while it was read"):
        item.read()


def test_a_sync_killed_halfway_is_finished_by_the_next(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    text = (CORPUS / "vacation-policy.md").read_text()
    for n in range(300):
        (folder / f"doc-{n:03d}.md").write_text(f"# Document {n}\n\nNumber {n}.\n\n{text}")
    data = tmp_path / "data"
    env = {**os.environ, "RAGWORKS_DATA_DIR": str(data), "RAGWORKS_SOURCE_LEASE_S": "3",
           "RAGWORKS_EMBEDDER": "minilm"}
    with Services(make_settings(data)) as svc:
        sid = syncing.add_source(svc, "default", {"kind": "folder", "path": str(folder)},
                                     trusted=True)["id"]
    cmd = [sys.executable, "-m", "ragworks.cli", "source", "sync", sid]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def items_done() -> int:
        with sqlite3.connect(data / "ragworks.db", timeout=30) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM source_items").fetchone()[0])

    try:
        until(lambda: items_done() >= 10, 300, "the first sync under way")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    halfway = items_done()
    assert 0 < halfway < 300, halfway
    time.sleep(3.5)  # the dead syncer's lease lapses
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with Services(make_settings(data)) as svc:
        assert indexed(svc) == in_folder(folder)
        assert svc.records.count_documents("default", "default") == 300  # none twice
        again = syncing.sync_source(svc, "default", sid)
        assert (again["unchanged"], again["added"], again["changed"]) == (300, 0, 0)
