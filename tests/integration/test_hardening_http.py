"""Hardening of the HTTP surface, against a real server on loopback: bounded bodies
(declared and streamed), strangers refused before their body is read, bounded query
parameters, and the documented ``uvicorn ragworks.api.app:app``."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, free_port, make_settings

KEY = "rw_test_admin_key"


@pytest.fixture
def small(tmp_path: Path) -> Iterator[LiveServer]:
    settings = make_settings(tmp_path, max_upload_bytes=200_000, max_json_bytes=50_000)
    with LiveServer(settings) as server:
        yield server


def _raw(url: str, request: bytes, deadline_s: float = 30) -> tuple[int, bytes]:
    """Send raw bytes (headers that promise a body we never send); the status line and
    what followed, read until the server closes or the deadline passes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=deadline_s) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            piece = s.recv(65536)
            if not piece:
                break
            data += piece
    return int(data.split(b" ", 2)[1]), data


def test_anonymous_huge_body_is_refused_before_it_is_sent(small: LiveServer) -> None:
    # 512 MB promised, nothing sent: the answer comes from the headers alone
    for path in ("/api/v1/query", "/api/v1/alerts", "/api/v1/documents"):
        status, data = _raw(small.url, (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 536870912\r\n\r\n").encode())
        assert status == 401, data
        assert b"API key" in data
    # a wrong key is refused just the same
    status, _ = _raw(small.url, (
        b"POST /api/v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer rw_nope\r\n"
        b"Content-Length: 536870912\r\n\r\n"))
    assert status == 401


def test_declared_length_over_the_route_cap_is_413(small: LiveServer) -> None:
    status, data = _raw(small.url, (
        f"POST /api/v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        "Content-Type: application/json\r\nContent-Length: 536870912\r\n\r\n").encode())
    assert status == 413 and b"50000 bytes" in data
    status, _ = _raw(small.url, (
        f"POST /api/v1/query HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        "Content-Length: lots\r\n\r\n").encode())
    assert status == 400  # the HTTP server refuses it before the app sees it


def _chunks(total: int, piece: int = 16384) -> Iterator[bytes]:
    sent = 0
    yield b'{"question": "'
    while sent < total:
        yield b"a" * piece
        sent += piece
    yield b'"}'


def test_streamed_bodies_over_the_cap_are_413_and_nothing_is_stored(small: LiveServer) -> None:
    with small.client() as c:
        before = c.get("/api/v1/traces").json()["total"]
        # a chunked JSON body (no Content-Length) past the 50 kB cap
        resp = c.post("/api/v1/query", content=_chunks(400_000),
                      headers={"Content-Type": "application/json"})
        assert resp.status_code == 413, resp.text
        assert "limit" in resp.json()["detail"]
        # a chunked multipart upload past the upload cap: 413, not 400
        boundary = "rwbound"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode()

        def upload_body() -> Iterator[bytes]:
            yield head
            for _ in range(40):
                yield b"word " * 2000  # 10 kB a piece, 400 kB in all
            yield f"\r\n--{boundary}--\r\n".encode()

        resp = c.post("/api/v1/documents", content=upload_body(),
                      headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert resp.status_code == 413, resp.text
        assert c.get("/api/v1/documents").json()["total"] == 0
        assert c.get("/api/v1/traces").json()["total"] == before
        # and the server still answers a normal request on a fresh connection
        ok = c.post("/api/v1/query", json={"question": "Is anything indexed?"})
        assert ok.status_code == 200


def test_a_body_within_the_cap_still_works(small: LiveServer) -> None:
    with small.client() as c:
        resp = c.post("/api/v1/query", json={"question": "x" * 1500})
        assert resp.status_code == 200, resp.text
        resp = c.post("/api/v1/query", json={"question": "x" * 3000})
        assert resp.status_code == 422 and "limit" in resp.json()["detail"]


@pytest.mark.parametrize("path", [
    "/api/v1/documents?offset=9223372036854775808",
    "/api/v1/traces?offset=9223372036854775808",
    "/api/v1/traces?since=1e400",
    "/api/v1/traces?min_latency_ms=-1",
    "/api/v1/documents?limit=99999999999999999999",
])
def test_out_of_range_query_parameters_are_422_not_500(small: LiveServer, path: str) -> None:
    with small.client() as c:
        resp = c.get(path)
        assert resp.status_code == 422, resp.text
        assert "detail" in resp.json()


def test_admin_traces_page_with_a_huge_offset_renders(small: LiveServer) -> None:
    with small.client() as c:
        resp = c.get("/admin/traces?offset=9223372036854775808")
        assert resp.status_code == 200
        assert "<html" in resp.text.lower()


def _wait_healthy(proc: subprocess.Popen, port: int, log: Path) -> None:  # type: ignore[type-arg]
    """Poll /healthz of a served process (generous deadline: slow on a busy machine)."""
    deadline = time.monotonic() + 180
    while True:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.5)


def test_uvicorn_serves_the_documented_module_attribute(tmp_path: Path) -> None:
    port = free_port()
    env = {"RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_LLM": "extractive",
           "RAGWORKS_BOOTSTRAP_API_KEY": KEY, "RAGWORKS_ENV": "test",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    log = tmp_path / "uvicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "ragworks.api.app:app",
                                 "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(proc, port, log)
    finally:
        proc.terminate()
        proc.wait(30)


def test_openapi_describes_the_real_error_answers(small: LiveServer) -> None:
    with small.client() as c:
        spec = c.get("/openapi.json").json()
        assert "ErrorBody" in spec["components"]["schemas"]
        for path, ops in spec["paths"].items():
            if not path.startswith("/api/v1"):
                continue
            for method, op in ops.items():
                codes = set(op["responses"])
                assert {"401", "403", "404", "413", "422", "429", "503"} <= codes, (path, method)
                assert "ErrorBody" in str(op["responses"]["422"]), (path, method)
        # and a validation failure has that shape
        resp = c.post("/api/v1/query", json={"question": 42, "include_hits": "maybe"})
        body = resp.json()
        assert resp.status_code == 422 and body["error"] == "BadInput"
        assert isinstance(body["detail"], str) and "question" in body["detail"]
        assert body["errors"] and body["errors"][0]["loc"]


def test_serve_with_two_worker_processes_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {"RAGWORKS_DATA_DIR": str(tmp_path), "RAGWORKS_BOOTSTRAP_API_KEY": KEY,
           "RAGWORKS_ENV": "test", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ragworks.cli", "serve", "--port",
                                 str(port), "--workers", "2"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        _wait_healthy(proc, port, log)
        for _ in range(4):
            resp = httpx.post(f"http://127.0.0.1:{port}/api/v1/query", json={"question": "hi"},
                              headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
            assert resp.status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)
