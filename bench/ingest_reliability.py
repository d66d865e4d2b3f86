"""Ingesting 1,000 documents: memory over the run, and kill -9 at any point loses nothing.

    .venv/bin/python bench/ingest_reliability.py memory [--docs 1000]
    .venv/bin/python bench/ingest_reliability.py kill [--docs 1000] [--via cli,http]

The documents are made from paragraphs of the real corpus that ships in
``evals/realdocs/corpus`` (1-12 KB each, all different, fixed seed).

``memory`` runs ``ragworks ingest`` on them as its own process and prints its resident
memory (from /proc) after every tenth of the files, and its peak; the baseline, in the
same run, is the same ingest with onnxruntime's arena never shrunk (as before the fix).

``kill`` starts an ingest (the CLI, or uploads over HTTP to ``ragworks serve``), kills it
with SIGKILL after a third, half and nine tenths of the files, then runs the same
ingest to completion and checks the data dir: exactly one document per file, every
chunk belongs to a listed document, no duplicate chunk, ``PRAGMA integrity_check`` ok.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ragworks.threadserver import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python")
KEY = "rw_bench_ingest_key"


def make_documents(folder: Path, n: int) -> list[Path]:
    paragraphs = []
    for f in sorted((ROOT / "evals/realdocs/corpus").iterdir()):
        text = f.read_text(errors="replace")
        paragraphs += [p.strip() for p in text.split("\n\n") if len(p.strip()) > 80]
    rnd = random.Random(42)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        body, size = [f"Document {i}"], rnd.randrange(1000, 12000)
        while sum(map(len, body)) < size:
            body.append(rnd.choice(paragraphs))
        path = folder / f"doc{i:04d}.txt"
        path.write_text("\n\n".join(body))
        paths.append(path)
    return paths


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "RAGWORKS_DATA_DIR": str(data_dir), "RAGWORKS_LOG_LEVEL": "WARNING",
            "RAGWORKS_BOOTSTRAP_API_KEY": KEY, "RAGWORKS_ENV": "test",
            "RAGWORKS_RATE_LIMIT_PER_MINUTE": "0", "RAGWORKS_LLM": "extractive",
            "RAGWORKS_ALERT_INTERVAL_S": "0", **extra}


def memory(docs: Path, n: int, shrink: bool) -> dict:
    """RSS of a CLI ingest, sampled as it goes (it prints one progress line per file)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(Path(tmp), **({} if shrink else {"RAGWORKS_BENCH_ARENA_GROWS": "1"}))
        code = ("import sys, runpy, os\n"
                "if os.environ.get('RAGWORKS_BENCH_ARENA_GROWS'):\n"
                "    import onnxruntime as ort, ragworks.embed.minilm as m\n"
                "    init = m.MiniLMEmbedder.__init__\n"
                "    def grows(self, *a, **k):\n"
                "        init(self, *a, **k); self._run_options = ort.RunOptions()\n"
                "    m.MiniLMEmbedder.__init__ = grows\n"
                "sys.argv = ['ragworks', 'ingest', sys.argv[1]]\n"
                "from ragworks.cli import main; main()\n")
        started = time.perf_counter()
        proc = subprocess.Popen([PYTHON, "-c", code, str(docs)], env=env, cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples: list[tuple[float, float, int]] = []
        db = Path(tmp) / "ragworks.db"
        while proc.poll() is None:
            stored = _count(db, "SELECT COUNT(*) FROM documents")
            samples.append((time.perf_counter() - started, _rss_mb(proc.pid), stored))
            peak = _rss_mb(proc.pid, "VmHWM") or (samples[-1][1] if samples else 0)
            time.sleep(0.5)
        by_tenth = {}
        for _, rss, stored in samples:
            tenth = stored * 10 // n
            by_tenth[tenth] = max(by_tenth.get(tenth, 0), rss)
        return {"arena": "shrunk after each run" if shrink else "grows (before the fix)",
                "docs": _count(db, "SELECT COUNT(*) FROM documents"),
                "seconds": round(time.perf_counter() - started, 1),
                "peak_rss_mb": round(max(peak, max(r for _, r, _ in samples)), 0),
                "rss_mb_by_tenth_of_docs": [round(by_tenth[k]) for k in sorted(by_tenth)],
                "exit": proc.returncode}


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def check(data_dir: Path, n: int) -> dict:
    records = sqlite3.connect(data_dir / "ragworks.db")
    chunks = sqlite3.connect(data_dir / "index" / "chunks.db")
    docs = {r[0] for r in records.execute("SELECT id FROM documents")}
    names = records.execute("SELECT COUNT(DISTINCT source), COUNT(*) FROM documents").fetchone()
    chunk_docs = [r[0] for r in chunks.execute("SELECT doc_id FROM chunks")]
    duplicates = chunks.execute(
        "SELECT COUNT(*) FROM (SELECT doc_id, ordinal FROM chunks GROUP BY doc_id, ordinal "
        "HAVING COUNT(*) > 1)").fetchone()[0]
    return {"documents": len(docs), "distinct_names": names[0], "expected": n,
            "chunks": len(chunk_docs),
            "orphan_chunks": sum(d not in docs for d in chunk_docs),
            "documents_without_chunks": len(docs - set(chunk_docs)),
            "duplicate_chunks": duplicates,
            "integrity": [c.execute("PRAGMA integrity_check").fetchone()[0]
                          for c in (records, chunks)]}


def _ingest_cli(docs: Path, data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "ragworks.cli", "ingest", str(docs)],
                            env=_env(data_dir), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _ingest_http(paths: list[Path], data_dir: Path, port: int) -> subprocess.Popen:
    """A server, and a thread uploading the files to it one after another."""
    server = subprocess.Popen(
        [PYTHON, "-m", "ragworks.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(data_dir), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)

    def upload() -> None:
        with httpx.Client(base_url=url, timeout=120,
                          headers={"Authorization": f"Bearer {KEY}"}) as c:
            for p in paths:
                try:
                    c.post("/api/v1/documents", files={"file": (p.name, p.read_bytes())})
                except httpx.HTTPError:
                    return  # the server is gone

    threading.Thread(target=upload, daemon=True).start()
    return server


def kill_run(paths: list[Path], via: str, fractions: list[float]) -> dict:
    n = len(paths)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        kills = []
        for fraction in [*fractions, None]:
            proc = (_ingest_cli(paths[0].parent, data_dir) if via == "cli"
                    else _ingest_http(paths, data_dir, free_port()))
            if fraction is None:  # the last run goes to the end
                if via == "cli":
                    proc.wait()
                else:
                    while _count(data_dir / "ragworks.db",
                                 "SELECT COUNT(*) FROM documents") < n and proc.poll() is None:
                        time.sleep(1)
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=60)
                break
            already = _count(data_dir / "ragworks.db", "SELECT COUNT(*) FROM documents")
            target = max(int(n * fraction), already + max(1, n // 20))  # each run gets going
            while (_count(data_dir / "ragworks.db", "SELECT COUNT(*) FROM documents") < target
                   and proc.poll() is None):
                time.sleep(0.2)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills.append(_count(data_dir / "ragworks.db", "SELECT COUNT(*) FROM documents"))
        return {"via": via, "killed_at_documents": kills, **check(data_dir, n)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["memory", "kill"])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--via", default="cli,http")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_documents(Path(tmp) / "docs", args.docs)
        if args.what == "memory":
            for shrink in (False, True):
                print(json.dumps(memory(paths[0].parent, args.docs, shrink)), flush=True)
        else:
            for via in args.via.split(","):
                print(json.dumps(kill_run(paths, via, [1 / 3, 1 / 2, 9 / 10])), flush=True)


if __name__ == "__main__":
    main()
