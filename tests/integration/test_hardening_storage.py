"""A disk that cannot take writes: clear JSON 503s, readiness that says so, no trace id
for a trace that was not stored, nothing lost, and recovery when space returns.

The server runs in a child process whose file-size limit (RLIMIT_FSIZE) is lowered to
the size its files already have: every write that would grow a file fails as on a full
disk (EFBIG; CPython ignores SIGXFSZ), with no mock anywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPUS, ROOT

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import httpx
from tests.conftest import LiveServer, make_settings

data_dir, corpus = Path(sys.argv[1]), Path(sys.argv[2])
out = {}
with LiveServer(make_settings(data_dir, embedder="hash")) as live, live.client() as c:
    first = c.post("/api/v1/documents", files={"file": ("vacation-policy.md",
                   (corpus / "vacation-policy.md").read_bytes())})
    out["before_upload"] = first.status_code
    out["before_query"] = c.post("/api/v1/query", json={"question": "How many vacation days?"}
                                 ).json()["trace_id"] is not None
    # let every file reach its size, then forbid growth: a full disk
    c.get("/readyz")
    time.sleep(0.5)
    biggest = max(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest, resource.RLIM_INFINITY))
    big = ("Large document. " * 20000).encode()
    full = c.post("/api/v1/documents", files={"file": ("big.txt", big)})
    out["full_upload"] = [full.status_code, full.headers.get("content-type"),
                          full.json().get("detail", ""), full.headers.get("retry-after")]
    q = c.post("/api/v1/query", json={"question": "How many vacation days do I get?"})
    out["full_query"] = [q.status_code, q.json().get("trace_id", "missing")]
    ready = c.get("/readyz")
    out["full_ready"] = [ready.status_code, ready.json()["checks"].get("storage_writes")]
    out["full_list"] = c.get("/api/v1/documents").json()["total"]
    # space returns
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    live.services.__dict__.pop("_write_failure", None)  # the 30 s memory, for the test
    again = c.post("/api/v1/documents", files={"file": ("big.txt", big)})
    out["after_upload"] = again.status_code
    out["after_ready"] = c.get("/readyz").status_code
    out["after_list"] = c.get("/api/v1/documents").json()["total"]
print(json.dumps(out))
"""


def test_a_full_disk_gives_clear_503s_and_recovers(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "data"), str(CORPUS)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["before_upload"] == 201 and out["before_query"] is True
    status, ctype, detail, retry = out["full_upload"]
    assert status == 503 and ctype == "application/json" and retry
    assert "storage" in detail and ("full" in detail or "large" in detail or "disk" in detail)
    q_status, q_trace = out["full_query"]
    assert q_status in (200, 503)
    if q_status == 200:
        assert q_trace is None  # the answer, but no id of a trace that was not stored
    ready_status, writes = out["full_ready"]
    assert ready_status == 503 and writes.startswith("error")
    assert out["full_list"] == 1  # nothing that was stored is lost
    assert out["after_upload"] == 201 and out["after_ready"] == 200
    assert out["after_list"] == 2
