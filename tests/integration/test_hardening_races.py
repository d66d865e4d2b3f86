"""Races on a real server and real stores: concurrent uploads under one name, a crash in
the middle of a replacement, concurrent deletes of one document."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from ragworks.services import Services
from tests.conftest import LiveServer, make_settings
from tests.integration.test_api_documents import upload


def _policy(i: int) -> bytes:
    return (f"# Policy\n\nVersion {i} of the policy says employees get {20 + i} days of "
            f"leave, and version {i} replaces all earlier ones.\n").encode()


def _upload(admin: httpx.Client, name: str, data: bytes) -> httpx.Response:
    """As a client should: a shed request (503 + Retry-After, the server's in-flight
    limit) is sent again after the time it names, for up to a minute."""
    for _ in range(60):
        resp = upload(admin, name, data)
        if resp.status_code != 503 or "retry-after" not in resp.headers:
            return resp
        time.sleep(float(resp.headers["retry-after"]))
    return resp


def test_twenty_contents_under_one_name_leave_one_document_and_no_404(
        live: LiveServer, admin: httpx.Client) -> None:
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda i: _upload(admin, "policy.md", _policy(i)), range(20)))
    codes = [r.status_code for r in answers]
    assert set(codes) <= {200, 201}, [(r.status_code, r.text) for r in answers if
                                      r.status_code not in (200, 201)]
    listing = admin.get("/api/v1/documents").json()
    assert listing["total"] == 1 and listing["documents"][0]["source"] == "policy.md"
    doc_id = listing["documents"][0]["id"]
    # every chunk in the index belongs to the one listed document
    svc = live.services
    assert svc.index.count("default") == len(svc.index.chunks_of("default", doc_id))


def test_twenty_different_files_make_twenty_documents(admin: httpx.Client) -> None:
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda i: _upload(admin, f"p{i}.md", _policy(i)), range(20)))
    assert {r.status_code for r in answers} == {201}
    assert admin.get("/api/v1/documents").json()["total"] == 20


def test_concurrent_deletes_of_one_document_succeed_once(admin: httpx.Client) -> None:
    doc_id = upload(admin, "policy.md", _policy(1)).json()["document"]["id"]
    with ThreadPoolExecutor(5) as pool:
        codes = sorted(pool.map(lambda _: admin.delete(f"/api/v1/documents/{doc_id}")
                                .status_code, range(5)))
    assert codes == [200, 404, 404, 404, 404]


def test_a_crash_in_the_middle_of_a_replacement_is_mended_by_the_next_upload(
        tmp_path: Path) -> None:
    svc = Services(make_settings(tmp_path, embedder="hash"))
    try:
        old = svc.ingestor.ingest(_policy(1), "policy.md", "default").document
        # the new version is stored, and the process dies before the old one is dropped
        drop = svc.ingestor._drop_other_versions
        svc.ingestor._drop_other_versions = lambda keep: 0  # type: ignore[method-assign]
        new = svc.ingestor.ingest(_policy(2), "policy.md", "default").document
        svc.ingestor._drop_other_versions = drop  # type: ignore[method-assign]
        assert {d.id for d in svc.records.versions_of("default", "default", "policy.md")} == \
            {old.id, new.id}
        # the user uploads the new version again: "unchanged", and the old one is gone
        again = svc.ingestor.ingest(_policy(2), "policy.md", "default")
        assert again.status == "unchanged"
        assert [d.id for d in svc.records.versions_of("default", "default", "policy.md")] == \
            [new.id]
        assert svc.index.chunks_of("default", old.id) == []
        assert not svc.blobs.exists(f"default/{old.id}/raw")
    finally:
        svc.close()
