"""Ingestion findings of the third review: fair and fast-failing limits, odd file names,
encodings and files without an extension."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ragworks.ingest.precheck import html_depth, safe_name
from ragworks.ingest.sandbox import FairSlots
from tests.conftest import LiveServer, make_settings


def test_a_huge_single_line_text_is_413_at_once(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path, max_upload_bytes=20_000_000)) as live, \
            live.client() as c:
        started = time.perf_counter()
        r = c.post("/api/v1/documents", files={"file": ("one-line.txt", b"word " * 3_000_000)})
        assert r.status_code == 413 and "characters" in r.json()["detail"]
        assert time.perf_counter() - started < 20  # a parse took 20.9 s and then said 422


def test_deeply_nested_html_is_422_before_the_parser(tmp_path: Path) -> None:
    with LiveServer(make_settings(tmp_path, max_upload_bytes=20_000_000)) as live, \
            live.client() as c:
        bomb = b"<html><body>" + b"<div>" * 1_000_000 + b"x" + b"</div>" * 1_000_000
        r = c.post("/api/v1/documents", files={"file": ("deep.html", bomb)})
        assert r.status_code == 422 and "nested" in r.json()["detail"]
        page = b"<html><body>" + b"<p>para<br>line<img src=x>" * 5000 + b"</body></html>"
        assert html_depth(page) < 100  # open-ended elements do not nest
        ok = c.post("/api/v1/documents", files={"file": ("flat.html", page)})
        assert ok.status_code == 201, ok.text


def test_one_tenants_heavy_parses_never_queue_another_tenants_file() -> None:
    slots = FairSlots(per_tenant=2)
    release = threading.Event()
    got: list[str] = []

    def heavy() -> None:
        with slots.held("B"):
            got.append("B")
            release.wait(30)

    bs = [threading.Thread(target=heavy) for _ in range(4)]  # four heavy files of B
    for t in bs:
        t.start()
    deadline = time.monotonic() + 10
    while got.count("B") < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert got.count("B") == 2  # B never holds the last slot

    def small() -> None:
        with slots.held("A"):
            got.append("A")

    a = threading.Thread(target=small)
    a.start()
    a.join(10)
    assert "A" in got and got.count("B") == 2  # A went in while B's files still ran
    release.set()
    for t in bs:
        t.join(30)
    assert got.count("B") == 4


def test_odd_file_names_are_stored_escaped(live: LiveServer) -> None:
    assert safe_name("nul\x00name.txt") == "nul%00name.txt"
    assert safe_name(safe_name("nul\x00name.txt")) == "nul%00name.txt"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("a\u202etxt.exe") == "a%E2%80%AEtxt.exe"
    with live.client() as c:
        for raw, stored in (("nul\x00name.txt", "nul%00name.txt"),
                            ("new\nline.txt", "new%0Aline.txt"),
                            ("car\rriage.txt", "car%0Driage.txt")):
            # written by hand: httpx would percent-encode the name, a hostile client not
            body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
                    raw.encode() + b"\"\r\nContent-Type: text/plain\r\n\r\n" +
                    f"Text of {stored} about gizmos.".encode() + b"\r\n--b--\r\n")
            r = c.post("/api/v1/documents", content=body,
                       headers={"Content-Type": "multipart/form-data; boundary=b"})
            if r.status_code == 400:  # a raw line break in a part header: malformed, said
                assert "multipart" in r.text and raw != "nul\x00name.txt"
                continue
            assert r.status_code == 201, r.text
            assert r.json()["document"]["source"] == stored
        for raw in ("new\nline.txt", "car\rriage.txt"):
            assert safe_name(raw) in (safe_name("new\nline.txt"), safe_name("car\rriage.txt"))
        names = {d["source"] for d in c.get("/api/v1/documents").json()["documents"]}
        assert "nul%00name.txt" in names
        assert not any(ch in n for n in names for ch in "\x00\n\r")


def test_latin1_utf16_and_extensionless_text_are_read(live: LiveServer) -> None:
    text = "Le café coûte deux euros. Die Größe der Maße ist geprüft und übermäßig."
    with live.client() as c:
        for name, data in (("latin1.txt", text.encode("latin-1")),
                           ("utf16.txt", text.encode("utf-16")),
                           ("utf16be.txt", b"\xfe\xff" + text.encode("utf-16-be")),
                           ("README", ("README for zlib\n\n" + text).encode()),
                           ("copyright", ("Format: debian copyright\n\n" + text).encode())):
            r = c.post("/api/v1/documents", files={"file": (name, data)})
            assert r.status_code in (200, 201), (name, r.text)  # 200: the same text again
        hits = c.post("/api/v1/query", json={"question": "How much does the café cost?",
                                             "include_hits": True}).json()
        assert "café" in hits["answer"] or any("café" in h["text"] for h in hits["hits"])
        binary = c.post("/api/v1/documents", files={"file": ("blob", bytes(range(256)) * 20)})
        assert binary.status_code == 415


SECRET_DOC = ("Vault procedures\n\nThe quartermaster vault code is rotated by Ilse Brandt "
              "every second Tuesday. Visitors sign the blue ledger at the front desk.\n")


def _files_containing(folder: Path, needle: bytes) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes())


def test_erasing_a_document_removes_its_text_from_answers_searches_and_the_wal(
        tmp_path: Path) -> None:
    needle = b"Ilse Brandt"
    with LiveServer(make_settings(tmp_path)) as live, live.client() as c:
        kept = c.post("/api/v1/documents", files={"file": ("ledger.txt", b"Visitors sign "
                      b"the blue ledger. The ledger lives in the front desk drawer.\n")})
        assert kept.status_code == 201, kept.text
        up = c.post("/api/v1/documents", files={"file": ("vault.txt", SECRET_DOC.encode())})
        assert up.status_code == 201, up.text
        doc_id = up.json()["document"]["id"]
        asked = [c.post("/api/v1/query", json={"question": q}).json() for q in (
            "Who rotates the quartermaster vault code?", "How often is the vault code rotated?")]
        assert all("Brandt" in a["answer"] for a in asked), asked
        assert c.get("/api/v1/traces", params={"q": "Ilse Brandt"}).json()["total"] == 2

        # a plain delete keeps the answers the users were given (and says so in the README)
        plain = c.post("/api/v1/documents", files={"file": ("copy.txt", SECRET_DOC.encode()
                                                            + b"copy\n")}).json()
        assert c.delete(f"/api/v1/documents/{plain['document']['id']}").status_code == 200

        gone = c.delete(f"/api/v1/documents/{doc_id}", params={"erase": "true"})
        assert gone.status_code == 200 and gone.json()["id"] == doc_id
        assert c.get("/api/v1/traces", params={"q": "Ilse Brandt"}).json()["total"] == 0
        for a in asked:
            trace = c.get(f"/api/v1/traces/{a['trace_id']}").json()
            assert "Brandt" not in str(trace), trace
            assert "[removed" in trace["output"]["answer"]
        assert c.get("/api/v1/documents/" + doc_id).status_code == 404
        again = c.delete(f"/api/v1/documents/{doc_id}", params={"erase": "true"})
        assert again.status_code == 404
        assert c.get("/api/v1/documents").json()["total"] >= 1  # the other one stays
        # and no database file, -wal included, still holds the text
        assert _files_containing(tmp_path, needle) == [], _files_containing(tmp_path, needle)
        assert c.post("/api/v1/query", json={"question": "Where is the blue ledger?"}
                      ).json()["covered"] is True
