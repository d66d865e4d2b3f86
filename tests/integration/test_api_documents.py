"""Upload, list, read and delete documents over real HTTP on loopback."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import CORPUS, LiveServer

MD = b"# Kettle Manual\n\n## Descaling\n\nDescale the kettle every four weeks with citric acid.\n"


def upload(c: httpx.Client, name: str, data: bytes, collection: str = "default") -> httpx.Response:
    return c.post("/api/v1/documents", files={"file": (name, data)},
                  data={"collection": collection})


def test_upload_is_idempotent_and_listed(admin: httpx.Client) -> None:
    first = upload(admin, "kettle.md", MD)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "created" and body["embedded"] >= 1
    again = upload(admin, "kettle.md", MD)
    assert again.status_code == 200
    assert again.json()["status"] == "unchanged" and again.json()["embedded"] == 0
    assert again.json()["document"]["id"] == body["document"]["id"]
    listing = admin.get("/api/v1/documents").json()
    assert listing["total"] == 1
    doc = admin.get(f"/api/v1/documents/{body['document']['id']}").json()
    chunk = doc["chunks"][0]
    assert chunk["source"] == "kettle.md" and chunk["section"] == "Kettle Manual > Descaling"
    assert MD.decode()[chunk["start"]:chunk["end"]] == chunk["text"]


def test_changed_file_replaces_old_chunks(admin: httpx.Client) -> None:
    old = upload(admin, "kettle.md", MD).json()["document"]["id"]
    changed = MD + b"\n## Safety\n\nNever immerse the base in water.\n"
    resp = upload(admin, "kettle.md", changed)
    assert resp.status_code == 201 and resp.json()["status"] == "replaced"
    assert resp.json()["embedded"] == 1  # the unchanged chunk's vector was reused
    assert admin.get(f"/api/v1/documents/{old}").status_code == 404
    assert admin.get("/api/v1/documents").json()["total"] == 1


def test_delete_removes_from_every_store(live: LiveServer, admin: httpx.Client) -> None:
    doc_id = upload(admin, "kettle.md", MD).json()["document"]["id"]
    assert admin.delete(f"/api/v1/documents/{doc_id}").status_code == 200
    assert admin.get(f"/api/v1/documents/{doc_id}").status_code == 404
    assert admin.delete(f"/api/v1/documents/{doc_id}").status_code == 404
    assert live.services.index.count() == 0
    assert not live.services.blobs.exists(f"default/{doc_id}/raw")
    hits = admin.post("/api/v1/query", json={"question": "How often descale the kettle?",
                                             "include_hits": True}).json()["hits"]
    assert hits == []


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_bad_files_are_refused_and_nothing_changes(admin: httpx.Client) -> None:
    assert upload(admin, "kettle.md", MD).status_code == 201
    cases = [
        ("empty.txt", b"", 422, "empty"),
        ("   .txt", b"   \n\n  ", 422, "no text"),
        ("image.gif", b"GIF89a" + b"\x00" * 64, 415, "the content is a gif image;"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, 422, "the image is corrupt"),
        ("binary.txt", b"\x00\x01\x02" * 40, 415, "binary content"),
        ("report.pdf", b"just some words, not a pdf", 415, "the name says pdf"),
        ("broken.pdf", b"%PDF-1.7\n garbage garbage", 422, "corrupt"),
        ("locked.pdf", _encrypted_pdf(), 422, "encrypted"),
        ("empty.html", b"<html><body><script>x()</script></body></html>", 422, "no text"),
        ("notes.xlsx", b"a,b\n1,2\n", 415, "not supported"),
        ("fake.docx", b"PK\x03\x04garbage", 415, "zip"),
    ]
    for name, data, status, words in cases:
        resp = upload(admin, name, data)
        assert resp.status_code == status, (name, resp.text)
        assert words in resp.json()["detail"].lower(), (name, resp.json())
    assert admin.get("/api/v1/documents").json()["total"] == 1


def test_oversized_upload_gets_413(admin: httpx.Client) -> None:
    resp = upload(admin, "big.txt", b"word " * 100_000)  # 500 kB > 200 kB limit
    assert resp.status_code == 413
    assert "limit" in resp.json()["detail"]
    assert admin.get("/api/v1/documents").json()["total"] == 0


def test_concurrent_uploads_of_one_file_make_one_document(admin: httpx.Client) -> None:
    data = (CORPUS / "vacation-policy.md").read_bytes()
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: upload(admin, "vacation-policy.md", data), range(6)))
    statuses = sorted(r.json()["status"] for r in results)
    assert statuses == ["created"] + ["unchanged"] * 5
    assert admin.get("/api/v1/documents").json()["total"] == 1


def test_all_formats_ingest(admin: httpx.Client) -> None:
    for name in ("travel-policy.docx", "expense-policy.pdf", "benefits-overview.html",
                 "error-codes.txt", "vpn-setup.md"):
        resp = upload(admin, name, (CORPUS / name).read_bytes())
        assert resp.status_code == 201, (name, resp.text)
        assert resp.json()["document"]["chunk_count"] >= 3


def test_bad_collection_name_is_422(admin: httpx.Client) -> None:
    resp = upload(admin, "kettle.md", MD, collection="../etc")
    assert resp.status_code == 422 and "collection" in resp.json()["detail"]
