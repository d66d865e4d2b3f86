"""Sources: a folder of 1,000 files synced as a source against `ragworks ingest` of the
same folder (the baseline, same run), re-syncs, and a loopback website's crawl.

    .venv/bin/python bench/sources.py [--docs 1000] [--pages 200]

Each command runs as its own process on a fresh data dir (model loading included in
both). The documents are made from the real corpus paragraphs (bench/ingest_reliability).
Printed: wall time and files/s of each step; the re-syncs show what a scheduled sync of
an unchanged folder costs (stat only), and one after 1 % of the files changed, 1 % were
removed and 1 % added.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.ingest_reliability import PYTHON, _env, make_documents  # noqa: E402


def _run(args: list[str], data: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-m", "ragworks.cli", *args], env=_env(data),
                          capture_output=True, text=True, timeout=7200)
    if done.returncode != 0:
        raise SystemExit(f"{args}: {done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stdout


def _source_id(data: Path) -> str:
    _, out = _run(["source", "list", "--json"], data)
    return str(json.loads(out)[0]["id"])


def folder_figures(n: int, tmp: Path) -> dict[str, float]:
    folder = tmp / "folder"
    make_documents(folder, n)
    ingest_s, _ = _run(["ingest", str(folder)], tmp / "data-ingest")
    first_s, _ = _run(["source", "add-folder", str(folder)], tmp / "data-source")
    sid = _source_id(tmp / "data-source")
    unchanged_s, _ = _run(["source", "sync", sid], tmp / "data-source")
    k = max(1, n // 100)
    files = sorted(folder.iterdir())
    for f in files[:k]:
        f.write_text(f.read_text() + "\n\nA changed paragraph.\n")
    for f in files[k:2 * k]:
        f.unlink()
    for i in range(k):
        shutil.copy(files[-1 - i], folder / f"new{i:04d}.txt")
        (folder / f"new{i:04d}.txt").write_text(files[-1 - i].read_text() + f"\nnew {i}\n")
    changed_s, out = _run(["source", "sync", sid], tmp / "data-source")
    return {"files": n, "ingest_s": ingest_s, "first_sync_s": first_s,
            "resync_unchanged_s": unchanged_s, "resync_3pct_s": changed_s,
            "changed_summary": out.strip().splitlines()[-1] if out.strip() else ""}


def website_figures(pages: int, tmp: Path) -> dict[str, float]:
    corpus = sorted((Path(__file__).resolve().parent.parent / "evals/realdocs/corpus").iterdir())
    text = corpus[0].read_text(errors="replace")[:4000]  # each page about 4 KB of prose

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/robots.txt":
                body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
            else:
                n = int(self.path.strip("/").removeprefix("p") or 0)
                links = "".join(f'<a href="/p{m}">p{m}</a> ' for m in (2 * n + 1, 2 * n + 2)
                                if m < pages)
                body = (f"<html><body><main><h1>Page {n}</h1><p>{text}</p>{links}</main>"
                        "</body></html>").encode()
                ctype = "text/html"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        crawl_s, _ = _run(["source", "add-website", url, "--max-pages", str(pages)],
                          tmp / "data-site")
        sid = _source_id(tmp / "data-site")
        recrawl_s, _ = _run(["source", "sync", sid], tmp / "data-site")
    finally:
        server.shutdown()
    return {"pages": pages, "first_crawl_s": crawl_s, "recrawl_unchanged_s": recrawl_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        f = folder_figures(args.docs, Path(tmp))
        w = website_figures(args.pages, Path(tmp))
    n = f["files"]
    print(f"folder of {n} files (2 cores; each a fresh process, model load included)")
    print(f"  ragworks ingest (baseline)  {f['ingest_s']:7.1f} s  {n / f['ingest_s']:6.1f} files/s")
    print(f"  source, first sync          {f['first_sync_s']:7.1f} s  "
          f"{n / f['first_sync_s']:6.1f} files/s  ({f['first_sync_s'] / f['ingest_s']:.2f}x)")
    print(f"  re-sync, nothing changed    {f['resync_unchanged_s']:7.1f} s")
    print(f"  re-sync, 1% changed, 1% removed, 1% added  {f['resync_3pct_s']:7.1f} s")
    print(f"    {f['changed_summary']}")
    print(f"website of {w['pages']} pages on loopback")
    print(f"  first crawl                 {w['first_crawl_s']:7.1f} s  "
          f"{w['pages'] / w['first_crawl_s']:6.1f} pages/s")
    print(f"  re-crawl, nothing changed   {w['recrawl_unchanged_s']:7.1f} s")
    print(json.dumps({"folder": f, "website": w}))


if __name__ == "__main__":
    main()
