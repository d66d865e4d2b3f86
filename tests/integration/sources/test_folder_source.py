"""A folder as a source, through the API and a worker: add, change, delete, a watched
change, a file that cannot be read, the folder disappearing, the source removed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx

from tests.conftest import CORPUS, LiveServer, make_settings
from tests.integration.sources.helpers import (
    corpus_folder,
    in_folder,
    indexed,
    job_done,
    latest_sync_job,
    until,
)


def _sync(c: httpx.Client, sid: str) -> dict:
    resp = c.post(f"/api/v1/sources/{sid}/sync")
    assert resp.status_code == 202, resp.text
    return job_done(c, resp.json()["id"])


def test_the_index_follows_the_folder_through_every_change(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    folder = corpus_folder(root / "docs")
    settings = make_settings(tmp_path / "data", source_roots=[str(root)], source_check_s=0.5,
                             source_interval_s=0, max_upload_bytes=200_000)
    with LiveServer(settings) as live, live.client() as c:
        svc = live.services
        resp = c.post("/api/v1/sources", json={"kind": "folder", "path": str(folder)})
        assert resp.status_code == 201, resp.text
        sid = resp.json()["id"]
        first = until(lambda: latest_sync_job(c, sid), what="the first sync queued")
        assert job_done(c, first["id"])["status"] == "done"
        assert indexed(svc) == in_folder(folder) == {
            "api-versioning.md", "vacation-policy.md", "wifi-guest-access.txt",
            "guides/error-codes.txt"}

        # changed, added (a second file of the same name in another folder), deleted
        with (folder / "vacation-policy.md").open("a") as f:
            f.write("\n\nSabbaticals of three months are granted after seven years.\n")
        (folder / "guides" / "api-versioning.md").write_text(
            "# API versioning for partners\n\nPartner APIs keep each version for 36 months.\n")
        (folder / "wifi-guest-access.txt").unlink()
        job = _sync(c, sid)
        assert job["status"] == "done", job
        assert job["result"]["removed"] == 1 and job["result"]["changed"] == 1
        assert indexed(svc) == in_folder(folder)
        vacation = svc.records.find_by_source("default", "default", "vacation-policy.md")
        assert any("Sabbaticals" in ch.text for ch in svc.index.chunks_of("default",
                                                                          vacation.id))
        # the same content under two names is one document; removing the file it is
        # named after keeps the other's content searchable, under the other's name
        shutil.copy(folder / "vacation-policy.md", folder / "guides" / "vacation-copy.md")
        assert _sync(c, sid)["status"] == "done"
        items = svc.sources.items(sid)
        assert items["guides/vacation-copy.md"]["document_id"] == vacation.id
        assert indexed(svc) == in_folder(folder) - {"guides/vacation-copy.md"}
        (folder / "vacation-policy.md").unlink()
        assert _sync(c, sid)["status"] == "done"
        assert indexed(svc) == in_folder(folder)
        copy = svc.records.find_by_source("default", "default", "guides/vacation-copy.md")
        assert any("Sabbaticals" in ch.text for ch in svc.index.chunks_of("default", copy.id))

        # the watch: a new file is synced with no request at all
        shutil.copy(CORPUS / "wifi-guest-access.txt", folder / "guides" / "wifi.txt")
        until(lambda: "guides/wifi.txt" in indexed(svc), 120, "the watched change synced")

        # a file over the size limit: a failed item with its reason, the rest in sync
        (folder / "huge.txt").write_text("word " * 60_000)
        job = _sync(c, sid)
        detail = c.get(f"/api/v1/sources/{sid}").json()
        failed = [i for i in detail["items"] if i["status"] == "failed"]
        assert [i["key"] for i in failed] == ["huge.txt"], detail
        assert "over the limit" in failed[0]["error"]
        assert detail["source"]["items"] == {"ok": 5, "failed": 1}
        assert indexed(svc) == in_folder(folder) - {"huge.txt"}

        # the folder disappears: the sync fails, says why, and removes nothing
        before = indexed(svc)
        os.rename(folder, root / "moved")
        job = _sync(c, sid)
        assert job["status"] == "failed" and "is not there" in job["error"], job
        assert indexed(svc) == before
        source = c.get(f"/api/v1/sources/{sid}").json()["source"]
        assert source["last_sync"]["status"] == "error"
        assert "nothing was removed" in source["last_sync"]["error"]
        os.rename(root / "moved", folder)
        assert _sync(c, sid)["status"] == "done"
        assert indexed(svc) == before

        # removed: its documents go with it
        resp = c.delete(f"/api/v1/sources/{sid}")
        assert resp.status_code == 200, resp.text
        assert resp.json()["removed_items"] == 6
        assert indexed(svc) == set()
        assert c.get(f"/api/v1/sources/{sid}").status_code == 404
