"""What the source tests share: a corpus folder, the index's view of it, polling."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.conftest import CORPUS

T = TypeVar("T")
FILES = ["api-versioning.md", "vacation-policy.md", "wifi-guest-access.txt",
         "error-codes.txt"]


def corpus_folder(root: Path) -> Path:
    """Four sample documents, one in a sub-folder, plus files a sync must skip."""
    root.mkdir(parents=True)
    (root / "guides").mkdir()
    for name in FILES[:3]:
        shutil.copy(CORPUS / name, root / name)
    shutil.copy(CORPUS / FILES[3], root / "guides" / FILES[3])
    (root / ".git").mkdir()
    (root / ".git" / "notes.txt").write_text("not a document")
    (root / "photo.gif").write_bytes(b"GIF89a" + b"\x00" * 64)
    return root


def in_folder(root: Path) -> set[str]:
    """The documents a folder should give: its supported, visible files by path."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and p.suffix in (".md", ".txt")
            and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def indexed(svc: Any, collection: str = "default") -> set[str]:
    """What the collection holds: documents by name, and every one has its chunks."""
    docs = svc.records.list_documents("default", collection, 1000)
    for doc in docs:
        assert svc.index.chunks_of("default", doc.id), doc.source
    return {d.source for d in docs}


def until(check: Callable[[], T | None], deadline_s: float = 120, what: str = "") -> T:
    end = time.monotonic() + deadline_s
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline_s} s: {what}")
        time.sleep(0.2)


def job_done(c: httpx.Client, job_id: str, deadline_s: float = 180) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        job = c.get(f"/api/v1/jobs/{job_id}").json()
        return job if job["status"] in ("done", "failed") else None
    return until(finished, deadline_s, f"job {job_id} finished")


def latest_sync_job(c: httpx.Client, source_id: str) -> dict[str, Any] | None:
    for job in c.get("/api/v1/jobs", params={"kind": "sync"}).json()["jobs"]:
        if job.get("source_id") == source_id:
            return job  # type: ignore[no-any-return]
    return None
