"""Queries while another process writes: does a write elsewhere stall search?

    .venv/bin/python bench/index_reload.py [--chunks 20000] [--seconds 10] [--clients 4]

One embedded index (``LocalChunkIndex``) of synthetic chunks; reader threads search it in
this process. The baseline runs with no writer; then a second process adds a 10-chunk
document every 0.2 s and deletes the one it added before, through its own index on the same
files, as a worker or a second server does. Printed per phase: searches per second and
p50/p95/p99 latency, and the number of writes the other process committed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ragworks.index.local import LocalChunkIndex  # noqa: E402
from ragworks.models import Chunk, Scope  # noqa: E402

DIM = 384
WORDS = [f"w{i}" for i in range(5000)]


def _chunks(doc: str, n: int, rng: np.random.Generator) -> tuple[list[Chunk], np.ndarray]:
    chunks = [Chunk(id=f"{doc}-{i}", doc_id=doc, tenant="t", collection="c", source=doc,
                    title=doc, section="", text=" ".join(rng.choice(WORDS, 60)), start=0,
                    end=1, ordinal=i) for i in range(n)]
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return chunks, vectors


def build(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    index = LocalChunkIndex(path, DIM)
    for d in range(0, n, 50):
        index.add(*_chunks(f"base{d}", 50, rng))
    index.close()


def writer(path: str, seconds: float, done: mp.Value) -> None:  # type: ignore[type-arg]
    rng = np.random.default_rng(1)
    index = LocalChunkIndex(path, DIM)
    stop = time.monotonic() + seconds
    n = 0
    while time.monotonic() < stop:
        index.add(*_chunks(f"new{n}", 10, rng))
        if n:
            index.delete_document("t", f"new{n - 1}")
        n += 1
        time.sleep(0.2)
    done.value = n


def phase(index: LocalChunkIndex, clients: int, seconds: float) -> dict:
    rng = np.random.default_rng(2)
    queries = [(" ".join(rng.choice(WORDS, 5)), rng.standard_normal(DIM).astype(np.float32))
               for _ in range(200)]
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        i = k
        while time.monotonic() < stop:
            text, vec = queries[i % len(queries)]
            t0 = time.perf_counter()
            index.search(text, vec, Scope(tenant="t"), 10)
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
            i += clients

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q = statistics.quantiles(latencies, n=100)
    return {"searches_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(latencies), 2), "p95_ms": round(q[94], 2),
            "p99_ms": round(q[98], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        build(path, args.chunks)
        index = LocalChunkIndex(path, DIM)
        print(json.dumps({"phase": "no writer", "chunks": args.chunks,
                          **phase(index, args.clients, args.seconds)}), flush=True)
        ctx = mp.get_context("spawn")
        done = ctx.Value("i", 0)
        proc = ctx.Process(target=writer,
                                               args=(str(path), args.seconds + 2, done))
        proc.start()
        time.sleep(2)  # the writer's own start-up load is not what is measured
        result = phase(index, args.clients, args.seconds)
        proc.join()
        print(json.dumps({"phase": "other process writing", "chunks": args.chunks,
                          "writes": done.value, **result}), flush=True)
        index.close()


if __name__ == "__main__":
    main()
